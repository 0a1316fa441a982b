// The /metrics handler: the registry's exposition with its Content-Type.
#include "http/metrics_handler.h"

#include "metrics/text_format.h"

namespace runledger::http {

Handler MetricsHandler(const metrics::Registry& registry) {
  return [&registry](const Request&) {
    Response r;
    r.content_type = std::string(metrics::kContentType);
    r.body = registry.Expose();
    return r;
  };
}

}  // namespace runledger::http
