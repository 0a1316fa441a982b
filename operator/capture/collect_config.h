// CollectConfig: whether runledger-capture collects metrics and where it
// sends them, from its environment and flags (docs/capture.md, "Metrics").
//
// The environment (set by the operator in the trainer container):
//   MLFLOW_TRACKING_URI      http://<numeric address>:<port>[/<path prefix>]
//   MLFLOW_TRACKING_TOKEN    sent as "Authorization: Bearer <token>" (optional)
//   MLFLOW_RUN_ID            the run the metrics belong to (required)
//   MLFLOW_EXPERIMENT_ID     its experiment (needed for the artifacts only)
//   RUNLEDGER_METRIC_FORMAT  auto | json | keyvalue | none | regex:<R>
//   RUNLEDGER_METRIC_FLUSH_TIMEOUT  seconds, default 30
//   RUNLEDGER_METRIC_SPILL_DIR      default $TMPDIR, else /tmp
//   RUNLEDGER_METRIC_BUFFER         points held in memory, default 100000
// A flag (args.h) wins over its variable.
//
// Collection is off, the run unaffected, when MLFLOW_TRACKING_URI is unset
// (silently: not running under runledger), or when something is set but
// unusable (a note saying what: the URI is not http with a numeric address,
// MLFLOW_RUN_ID is missing, a variable's value is bad), or the format is
// "none" (silently).
//
// Pure: reads no environment itself. Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "capture/args.h"
#include "capture/metric_line.h"

namespace runledger::capture {

struct TrackingTarget {
  std::string address;  // numeric, without brackets
  uint16_t port = 0;
  std::string path_prefix;  // "" or "/mlflow" (no trailing '/')
};

// Errors: InvalidArgument saying what is wrong.
Result<TrackingTarget> ParseTrackingUri(std::string_view uri);

struct CollectConfig {
  TrackingTarget target;
  std::string token;
  std::string run_id;
  std::string experiment_id;  // empty: no artifacts
  MetricFormat format;
  std::chrono::milliseconds flush_timeout{30000};
  std::string spill_dir;
  size_t buffer_points = 100000;
};

struct CollectDecision {
  std::optional<CollectConfig> config;  // none: collection is off
  std::string note;                     // for stderr; empty: nothing to say
};

CollectDecision DecideCollect(const Options& options,
                              const std::function<std::optional<std::string>(const char*)>& getenv);

}  // namespace runledger::capture
