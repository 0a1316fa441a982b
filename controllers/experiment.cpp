#include "controllers/experiment.h"

#include <algorithm>

#include "kube/json_fields.h"
#include "runtime/conditions.h"

namespace runledger::controllers {

using kube::ObjectField;
using kube::StringField;
using nlohmann::json;

std::optional<double> LastMetricValue(const json& run, const std::string& metric) {
  const json& status = ObjectField(run, "status");
  const json& primary = ObjectField(status, "primaryMetric");
  if (StringField(primary, "name") == metric) {
    auto v = primary.find("value");
    if (v != primary.end() && v->is_number()) return v->get<double>();
  }
  const json& summary = ObjectField(ObjectField(status, "metrics"), metric);
  auto last = summary.find("last");
  if (summary.is_object() && last != summary.end() && last->is_number()) {
    return last->get<double>();
  }
  return std::nullopt;
}

bool IsDeletedRun(const json& run) {
  return StringField(ObjectField(ObjectField(run, "status"), "tracking"), "lifecycleStage") ==
         "deleted";
}

ExperimentPlan DecideExperiment(const ExperimentObserved& o) {
  const json& meta = ObjectField(o.experiment, "metadata");
  const json& spec = ObjectField(o.experiment, "spec");
  const json& old = ObjectField(o.experiment, "status");
  json status = old.is_object() ? old : json::object();
  const int64_t generation = kube::IntField(meta, "generation").value_or(0);

  std::string uid = StringField(meta, "uid");
  uid.erase(std::remove(uid.begin(), uid.end(), '-'), uid.end());
  status["experimentId"] = uid;
  status["observedGeneration"] = generation;

  int64_t pending = 0, running = 0, succeeded = 0, failed = 0;
  const json& primary = ObjectField(spec, "primaryMetric");
  const std::string metric = StringField(primary, "name");
  const bool maximize = StringField(primary, "goal") != "minimize";
  struct Best {
    std::string name;
    double value;
    std::string run_id;
  };
  std::optional<Best> best;
  int64_t total = 0;
  std::string last_activity;
  for (const runtime::ObjectPtr& run_ptr : o.runs) {
    const json& run = *run_ptr;
    const json& rs = ObjectField(run, "status");
    if (IsDeletedRun(run)) continue;
    ++total;
    const std::string phase = StringField(rs, "phase");
    if (phase == "Running")
      ++running;
    else if (phase == "Succeeded")
      ++succeeded;
    else if (phase == "Failed")
      ++failed;
    else
      ++pending;
    // RFC 3339 UTC timestamps order as strings.
    for (const char* field : {"startTime", "completionTime"}) {
      last_activity = std::max(last_activity, StringField(rs, field));
    }
    if (phase != "Succeeded" || metric.empty()) continue;
    const auto value = LastMetricValue(run, metric);
    if (!value) continue;
    const std::string name = StringField(ObjectField(run, "metadata"), "name");
    const bool better = !best || (maximize ? *value > best->value : *value < best->value) ||
                        (*value == best->value && name < best->name);
    if (better) best = Best{name, *value, StringField(rs, "runId")};
  }
  status["runs"] = {{"total", total},
                    {"pending", pending},
                    {"running", running},
                    {"succeeded", succeeded},
                    {"failed", failed}};
  if (best) {
    status["bestRun"] = {{"name", best->name}, {"value", best->value}};
    if (!best->run_id.empty()) status["bestRun"]["runId"] = best->run_id;
  } else {
    status.erase("bestRun");
  }
  if (!last_activity.empty()) status["lastActivityTime"] = last_activity;
  (void)runtime::SetCondition(
      status["conditions"],
      {runtime::kReady, "True", "Counted", "the status follows the Experiment's runs", generation},
      o.now);
  ExperimentPlan plan;
  if (status != old) plan.status = std::move(status);
  return plan;
}

}  // namespace runledger::controllers
