#include "capture/collect_config.h"

#include <charconv>

#include "base/http_uri.h"

namespace runledger::capture {

namespace {

template <typename T>
std::optional<T> ParseNumber(std::string_view s) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<TrackingTarget> ParseTrackingUri(std::string_view uri) {
  const std::string why = "MLFLOW_TRACKING_URI \"" + std::string(uri) +
                          "\" is not http://<numeric address>:<port> (the static binary cannot "
                          "look up host names)";
  Result<HttpUri> split = SplitHttpUri(uri);
  if (!split.ok() || !IsNumericAddress(split->host) || split->port == 0) {
    return InvalidArgument(why);
  }
  TrackingTarget t;
  t.address = std::move(split->host);
  t.port = split->port;
  std::string_view path = split->path;
  while (path.ends_with('/')) path.remove_suffix(1);
  t.path_prefix = std::string(path);
  return t;
}

CollectDecision DecideCollect(
    const Options& options, const std::function<std::optional<std::string>(const char*)>& getenv) {
  CollectDecision d;
  auto off = [&d](std::string why) {
    d.note = "metric collection is off: " + std::move(why);
    return d;
  };
  const std::optional<std::string> uri = getenv("MLFLOW_TRACKING_URI");
  if (!uri || uri->empty()) return d;
  CollectConfig c;

  std::string format =
      options.metric_format.value_or(getenv("RUNLEDGER_METRIC_FORMAT").value_or(""));
  if (format.empty()) format = "auto";
  auto parsed_format = ParseMetricFormat(format);
  if (!parsed_format.ok())
    return off("RUNLEDGER_METRIC_FORMAT: " + parsed_format.status().message());
  if (auto parser = MetricLineParser::Create(*parsed_format); !parser.ok()) {
    return off("RUNLEDGER_METRIC_FORMAT: " + parser.status().message());
  }
  if (parsed_format->kind == MetricFormat::Kind::kNone) return d;
  c.format = std::move(*parsed_format);

  auto target = ParseTrackingUri(*uri);
  if (!target.ok()) return off(target.status().message());
  c.target = std::move(*target);
  c.run_id = getenv("MLFLOW_RUN_ID").value_or("");
  if (c.run_id.empty()) return off("MLFLOW_RUN_ID is not set");
  c.token = getenv("MLFLOW_TRACKING_TOKEN").value_or("");
  c.experiment_id = getenv("MLFLOW_EXPERIMENT_ID").value_or("");

  if (options.flush_timeout) {
    c.flush_timeout = *options.flush_timeout;
  } else if (auto v = getenv("RUNLEDGER_METRIC_FLUSH_TIMEOUT"); v && !v->empty()) {
    const auto seconds = ParseNumber<double>(*v);
    if (!seconds || *seconds < 0 || *seconds > 3600) {
      return off("RUNLEDGER_METRIC_FLUSH_TIMEOUT \"" + *v +
                 "\" is not a number of seconds (0-3600)");
    }
    c.flush_timeout = std::chrono::milliseconds(static_cast<int64_t>(*seconds * 1000));
  }
  if (options.metric_buffer) {
    c.buffer_points = *options.metric_buffer;
  } else if (auto v = getenv("RUNLEDGER_METRIC_BUFFER"); v && !v->empty()) {
    const auto n = ParseNumber<size_t>(*v);
    if (!n || *n == 0) return off("RUNLEDGER_METRIC_BUFFER \"" + *v + "\" is not a positive count");
    c.buffer_points = *n;
  }
  c.spill_dir = options.spill_dir.value_or(getenv("RUNLEDGER_METRIC_SPILL_DIR").value_or(""));
  if (c.spill_dir.empty()) c.spill_dir = getenv("TMPDIR").value_or("");
  if (c.spill_dir.empty()) c.spill_dir = "/tmp";
  d.config = std::move(c);
  return d;
}

}  // namespace runledger::capture
