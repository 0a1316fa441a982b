#include "capture/metric_collector.h"

#include <utility>

namespace runledger::capture {

MetricCollector::MetricCollector(MetricLineParser parser, MetricBuffer& buffer,
                                 MetricPusher& pusher, const Clock& clock)
    : parser_(std::move(parser)), buffer_(buffer), pusher_(pusher), clock_(clock) {}

void MetricCollector::OnLine(std::string_view line, bool cut) {
  if (cut) return;
  parsed_.clear();
  if (!parser_.Parse(line, parsed_)) return;
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.SystemNow().time_since_epoch())
          .count();
  for (ParsedMetric& m : parsed_) {
    auto [it, fresh] = last_step_.try_emplace(m.key, -1);
    const int64_t step = m.step ? *m.step : it->second + 1;
    it->second = step;
    buffer_.Add({std::move(m.key), m.value, m.timestamp_ms.value_or(now_ms), step});
  }
  pusher_.EnsureStarted();
}

}  // namespace runledger::capture
