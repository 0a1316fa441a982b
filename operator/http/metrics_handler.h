// MetricsHandler: the GET /metrics handler for a metrics::Registry.
//
//   server.Handle("GET", "/metrics", MetricsHandler(registry));
//
// Lifetime: does not own `registry`; it must outlive the server's use of
// the handler. Thread-safety: as Registry::Expose, safe from any thread.
#pragma once

#include "http/message.h"
#include "metrics/registry.h"

namespace runledger::http {

Handler MetricsHandler(const metrics::Registry& registry);

}  // namespace runledger::http
