#include "controllers/experiment_reconciler.h"

#include "controllers/trainingrun_reconciler.h"
#include "kube/json_fields.h"

namespace runledger::controllers {

using kube::ObjectField;
using kube::StringField;
using nlohmann::json;

void ExperimentReconciler::Watch(runtime::Controller& controller) {
  controller.For(d_.experiments);
  controller.Watches(d_.runs, [](const json& run) -> std::vector<runtime::ObjectKey> {
    const std::string ref = StringField(ObjectField(run, "spec"), "experimentRef");
    if (ref.empty()) return {};
    return {{StringField(ObjectField(run, "metadata"), "namespace"), ref}};
  });
}

Result<runtime::Action> ExperimentReconciler::Reconcile(const runtime::ReconcileRequest& req) {
  runtime::ObjectPtr exp = d_.experiments.cache().Get(req.key);
  const std::string key = req.key.String();
  if (!exp) {
    MutexLock lock(mu_);
    last_write_.erase(key);
    return runtime::Action::Done();
  }
  // Inside the interval after a write, deciding again would be wasted: with
  // thousands of runs changing, the Experiment is enqueued after every one.
  // The requeue at the interval's end decides on the state of that moment.
  const auto now = d_.clock.SteadyNow();
  {
    MutexLock lock(mu_);
    if (auto it = last_write_.find(key); it != last_write_.end()) {
      const auto next = it->second + d_.min_write_interval;
      if (now < next) return runtime::Action::RequeueAfter(next - now);
    }
  }
  ExperimentObserved o;
  o.experiment = *exp;
  o.now = d_.clock.SystemNow();
  // Summaries: the fields DecideExperiment reads (AddRunIndexes), not whole runs.
  o.runs = d_.runs.cache().SummariesByIndex(kRunsByExperiment, key);
  ExperimentPlan plan = DecideExperiment(o);
  if (!plan.status) return runtime::Action::Done();
  {
    MutexLock lock(mu_);
    last_write_[key] = now;
  }
  const json patch = json::array({{{"op", "add"}, {"path", "/status"}, {"value", *plan.status}}});
  auto written = d_.client.Patch(kube::resources::kExperiments, req.key.ns, req.key.name,
                                 kube::PatchType::kJson, patch, {}, "status");
  if (!written.ok()) return written.status().WithContext("writing status");
  return runtime::Action::Done();
}

}  // namespace runledger::controllers
