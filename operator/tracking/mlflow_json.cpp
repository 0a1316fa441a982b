#include "tracking/mlflow_json.h"

#include <cmath>

namespace runledger::tracking {
namespace {

using nlohmann::json;

json KeyValueList(const std::map<std::string, std::string>& m) {
  json out = json::array();
  for (const auto& [k, v] : m) out.push_back({{"key", k}, {"value", v}});
  return out;
}

}  // namespace

json MetricValueJson(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

json MetricJson(std::string_view key, const store::Sample& sample) {
  return {{"key", key},
          {"value", MetricValueJson(sample.value)},
          {"timestamp", sample.timestamp_ms},
          {"step", sample.step}};
}

json RunInfoJson(const RunRecord& run) {
  json info = {{"run_id", run.run_id},
               {"run_uuid", run.run_id},  // The MLflow UI still reads this name.
               {"run_name", run.run_name},
               {"experiment_id", run.experiment_id},
               {"user_id", run.user_id},
               {"status", run.status},
               {"start_time", run.start_time_ms},
               {"artifact_uri", run.artifact_uri},
               {"lifecycle_stage", run.lifecycle_stage}};
  if (run.end_time_ms) info["end_time"] = *run.end_time_ms;
  return info;
}

json RunJson(const RunRecord& run, const std::vector<store::Point>& latest) {
  json metrics = json::array();
  for (const auto& p : latest) {
    metrics.push_back(MetricJson(p.key, {p.step, p.timestamp_ms, p.value}));
  }
  return {{"info", RunInfoJson(run)},
          {"data",
           {{"metrics", std::move(metrics)},
            {"params", KeyValueList(run.params)},
            {"tags", KeyValueList(run.tags)}}},
          {"inputs", json::object()}};
}

json ExperimentJson(const ExperimentRecord& e) {
  return {{"experiment_id", e.experiment_id},
          {"name", e.name},
          {"artifact_location", e.artifact_location},
          {"lifecycle_stage", e.lifecycle_stage},
          {"creation_time", e.creation_time_ms},
          {"last_update_time", e.last_update_time_ms},
          {"tags", KeyValueList(e.tags)}};
}

}  // namespace runledger::tracking
