// The metric-line parser: decides whether one line of the trainer's stdout
// is a metric line, and reads its metrics (docs/capture.md, "Metrics").
//
// Formats (RUNLEDGER_METRIC_FORMAT / --metric-format):
//   auto      (default) a line whose first non-blank byte is '{' is read as
//             JSON, any other line as key=value
//   json      JSON objects only
//   keyvalue  key=value lines only
//   none      no line is a metric line
//   regex:R   every match of the ECMAScript regex R in the line is a point:
//             group 1 the key, group 2 the value, group 3 (if the regex has
//             it and it took part in the match) the step. std::regex has no
//             named groups, hence positions. Lines over 4096 bytes are not
//             searched (std::regex recurses per character).
//
// JSON lines are one flat object, either
//   {"metric": "loss", "value": 0.3, "step": 10, "timestamp": 1700000000000}
//     exactly these fields, "step" and "timestamp" optional; or
//   {"loss": 0.3, "val_auc": 0.87, "step": 10}
//     every field a number: each is a metric except "step" and "timestamp".
// key=value lines are whitespace-separated tokens, EVERY one key=number
// (Katib's format): "epoch=3 loss=0.31 val_auc=0.87". A key there must
// start with a letter or '_' (so "--lr=0.1" is not a metric line).
//
// The same rules hold for both (not for regex:):
// - A value is a number, or NaN, Infinity, -Infinity (bare, as Python's
//   json.dumps writes them, or as strings, as MLflow's JSON has them; in
//   key=value also nan, inf, -inf in any case, as Python's str() gives).
// - "step" must be an integer, "timestamp" an integer (ms since the epoch).
// - "epoch" is a metric, and also the step when there is no "step" and it
//   is an integer.
// - Keys must be valid MLflow metric keys (IsValidMetricKey); a key given
//   twice, a field of another type (string, bool, null, object, array), an
//   invalid key, or anything else that does not fit makes the whole line
//   not a metric line. So does a line cut by the LineSplitter.
// A line that is not a metric line yields nothing: there are no partial
// results.
//
// Pure; no OS calls. Thread-safety: a MetricLineParser is immutable after
// Create and may be used from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runledger::capture {

struct MetricFormat {
  enum class Kind { kAuto, kJson, kKeyValue, kNone, kRegex };
  Kind kind = Kind::kAuto;
  std::string pattern;  // kRegex: the regex
};

// Reads "auto", "json", "keyvalue", "none" or "regex:<R>". The regex is
// only checked by MetricLineParser::Create. Errors: InvalidArgument.
Result<MetricFormat> ParseMetricFormat(std::string_view text);

// One metric read from a line. step and timestamp are set only when the
// line gave them; the collector fills in the rest.
struct ParsedMetric {
  std::string key;
  double value = 0;
  std::optional<int64_t> step;
  std::optional<int64_t> timestamp_ms;

  bool operator==(const ParsedMetric&) const = default;
};

// MLflow's rule for a metric key: 1 to 250 bytes of ASCII letters, digits,
// '_', '-', '.', '/' and ' ', and a path that normalises to itself (no
// leading '/', no leading "..", no "//", no trailing '/', no "." or ".."
// segment).
bool IsValidMetricKey(std::string_view key);

inline constexpr size_t kMaxMetricKeyLength = 250;
inline constexpr size_t kMaxRegexLine = 4096;

class MetricLineParser {
 public:
  // Errors: InvalidArgument when the regex does not compile or has fewer
  // than two groups.
  static Result<MetricLineParser> Create(const MetricFormat& format);

  // Appends the line's metrics to `out` and returns true, or returns false
  // and leaves `out` as it was. `line` is without its '\n' (a trailing '\r'
  // is blank and allowed).
  bool Parse(std::string_view line, std::vector<ParsedMetric>& out) const;

  MetricFormat::Kind kind() const { return kind_; }

 private:
  MetricFormat::Kind kind_ = MetricFormat::Kind::kAuto;
  std::shared_ptr<const std::regex> regex_;  // kRegex only
};

// The individual formats, for tests and the fuzzer.
bool ParseJsonMetricLine(std::string_view line, std::vector<ParsedMetric>& out);
bool ParseKeyValueMetricLine(std::string_view line, std::vector<ParsedMetric>& out);

}  // namespace runledger::capture
