// MLflow's limits on what a client may log, with MLflow's messages (its
// Python client and tests match on them). Every write path (log-metric,
// log-parameter, set-tag, log-batch, runs/create) checks through here, so
// one rule has one place.
//
// Errors: InvalidArgument (the API answers INVALID_PARAMETER_VALUE, 400).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "store/point.h"

namespace runledger::tracking {

inline constexpr size_t kMaxKeyLength = 250;
inline constexpr size_t kMaxParamValueLength = 6000;
inline constexpr size_t kMaxTagValueLength = 8000;
inline constexpr size_t kMaxBatchMetrics = 1000;
inline constexpr size_t kMaxBatchParams = 100;
inline constexpr size_t kMaxBatchTags = 100;
inline constexpr size_t kMaxBatchEntities = 1000;
inline constexpr size_t kMaxRunNameLength = 250;

using KeyValue = std::pair<std::string, std::string>;

// `what` is "metric", "parameter" or "tag" (it appears in the message).
// Letters, digits, '_', '-', '.', ' ', ':' and '/', at most 250 bytes, and
// no path tricks ("a//b", "./a", "a/..", a leading '/').
Status ValidateKey(std::string_view what, std::string_view key);
Status ValidateParam(const KeyValue& param);
Status ValidateTag(const KeyValue& tag);
Status ValidateMetric(const store::Point& point);
Status ValidateBatchLimits(size_t metrics, size_t params, size_t tags);

}  // namespace runledger::tracking
