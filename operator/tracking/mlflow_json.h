// MLflow's JSON for runs, experiments and metrics, as its server writes it
// (field names, int64 times in ms, NaN and ±Infinity as the strings "NaN",
// "Infinity", "-Infinity": protobuf's JSON form, which the clients parse).
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "store/point.h"
#include "tracking/run_record.h"

namespace runledger::tracking {

nlohmann::json MetricValueJson(double value);
// {key, value, timestamp, step}.
nlohmann::json MetricJson(std::string_view key, const store::Sample& sample);
nlohmann::json RunInfoJson(const RunRecord& run);
// {info, data: {metrics, params, tags}, inputs}; `latest` are the run's
// latest metric values (MetricStore::Latest).
nlohmann::json RunJson(const RunRecord& run, const std::vector<store::Point>& latest);
nlohmann::json ExperimentJson(const ExperimentRecord& experiment);

}  // namespace runledger::tracking
