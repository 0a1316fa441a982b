// MetricCollector: the stdout line hook that turns metric lines into points
// for the pusher (docs/capture.md, "Metrics").
//
// Each point gets:
// - step: the line's step (see metric_line.h), else one more than the last
//   step this key had, starting at 0 (so a key printed without steps gets
//   0, 1, 2, ...);
// - timestamp: the line's "timestamp", else the time the line was read (ms
//   since the epoch, from `clock`).
// Lines that are not metric lines, and cut lines, are ignored.
//
// Thread-safety: none; OnLine runs on the main loop. Lifetime: `buffer`,
// `pusher` and `clock` must outlive the collector.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "capture/metric_buffer.h"
#include "capture/metric_line.h"
#include "capture/metric_pusher.h"

namespace runledger::capture {

class MetricCollector {
 public:
  MetricCollector(MetricLineParser parser, MetricBuffer& buffer, MetricPusher& pusher,
                  const Clock& clock);

  void OnLine(std::string_view line, bool cut);

 private:
  const MetricLineParser parser_;
  MetricBuffer& buffer_;
  MetricPusher& pusher_;
  const Clock& clock_;
  std::map<std::string, int64_t, std::less<>> last_step_;
  std::vector<ParsedMetric> parsed_;  // reused between lines
};

}  // namespace runledger::capture
