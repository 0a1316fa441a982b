// The metric hot path: parses runs/log-batch and runs/log-metric bodies
// with simdjson's on-demand parser (docs/benchmarks.md: about 17 times
// nlohmann/json's rate on a 1000-point batch), and checks MLflow's limits.
//
// Accepted as MLflow's server accepts them: numbers for values, or the
// strings "NaN", "Infinity", "-Infinity" (protobuf's JSON form, which the
// Python client sends), or a number as a string; int64 timestamps and steps
// as numbers or decimal strings; run_id or its old name run_uuid; unknown
// fields ignored (model_id, dataset_name, ...). step defaults to 0.
//
// Errors: InvalidArgument with MLflow's message, naming the field
// ("metrics[3].value"), for a body that is not JSON, a missing or mistyped
// field, a bad key, or a batch over MLflow's limits (validation.h).
// Thread-safety: pure functions (each call uses its own parser).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/point.h"
#include "tracking/validation.h"

namespace runledger::tracking {

struct LogBatchRequest {
  std::string run_id;
  std::vector<store::Point> metrics;
  std::vector<KeyValue> params;
  std::vector<KeyValue> tags;
};

Result<LogBatchRequest> ParseLogBatch(std::string_view body);
// A runs/log-metric body as a batch of one point.
Result<LogBatchRequest> ParseLogMetric(std::string_view body);

}  // namespace runledger::tracking
