#include "controllers/trainingrun_reconciler.h"

#include "kube/json_fields.h"
#include "kube/secret_data.h"

namespace runledger::controllers {

using kube::ObjectField;
using kube::StringField;
using nlohmann::json;

namespace {

std::vector<json> Objects(const std::vector<runtime::ObjectPtr>& ptrs) {
  std::vector<json> out;
  out.reserve(ptrs.size());
  for (const auto& p : ptrs) out.push_back(*p);
  return out;
}

}  // namespace

void AddRunIndexes(runtime::Cache& runs) {
  runs.AddIndex(kRunsByExperiment, [](const json& run) -> std::vector<std::string> {
    const std::string ref = StringField(ObjectField(run, "spec"), "experimentRef");
    if (ref.empty()) return {};
    return {StringField(ObjectField(run, "metadata"), "namespace") + "/" + ref};
  });
  // What the scans over an Experiment's runs read: the Experiment's counts
  // and best run (DecideExperiment) and the runs waiting for it (Watch).
  runs.SetSummaryFields({"/status/phase", "/status/jobName", "/status/startTime",
                         "/status/completionTime", "/status/primaryMetric", "/status/metrics",
                         "/status/runId", "/status/tracking/lifecycleStage"});
}

void AddPodIndexes(runtime::Cache& pods) {
  pods.AddIndex(kPodsByRun, runtime::IndexByLabel(kRunLabel));
}

void TrainingRunReconciler::Watch(runtime::Controller& controller) {
  controller.For(d_.runs);
  controller.Owns(d_.jobs, "runledger.dev/v1alpha1", "TrainingRun");
  // Pods are owned by the Job, not the run: map them through their label.
  controller.Watches(d_.pods, [](const json& pod) -> std::vector<runtime::ObjectKey> {
    const json& meta = ObjectField(pod, "metadata");
    const std::string run = StringField(ObjectField(meta, "labels"), kRunLabel);
    if (run.empty()) return {};
    return {{StringField(meta, "namespace"), run}};
  });
  // A run waiting for its Experiment (or for the Experiment's requirements
  // to change) is looked at again when the Experiment appears or its spec
  // changes; its status (counts, written as runs change) does not matter.
  runtime::Cache& runs = d_.runs.cache();
  controller.Watches(
      d_.experiments,
      [&runs](const json& exp) {
        const json& meta = ObjectField(exp, "metadata");
        std::vector<runtime::ObjectKey> keys;
        for (const auto& run :
             runs.SummariesByIndex(kRunsByExperiment, StringField(meta, "namespace") + "/" +
                                                          StringField(meta, "name"))) {
          const json& phase_holder = ObjectField(*run, "status");
          // Launched runs do not depend on their Experiment any more.
          if (!StringField(phase_holder, "jobName").empty()) continue;
          keys.push_back(runtime::ObjectKey::Of(*run));
        }
        return keys;
      },
      runtime::GenerationChanged);
}

Status TrainingRunReconciler::CreateTokenSecret(const json& secret, json& status) {
  const std::string ns = StringField(ObjectField(secret, "metadata"), "namespace");
  const std::string name = StringField(ObjectField(secret, "metadata"), "name");
  auto created = d_.client.Create(kube::resources::kSecrets, ns, secret);
  if (created.ok()) return Status();
  if (created.status().code() != Code::kAlreadyExists) return created.status();
  // Made by an earlier attempt that crashed before recording it: keep that
  // token (the pod may already hold it) and record its hash.
  ASSIGN_OR_RETURN(json existing, d_.client.Get(kube::resources::kSecrets, ns, name));
  const std::string token = kube::SecretValue(existing, kTokenKey);
  if (token.empty()) return FailedPrecondition("Secret " + name + " has no " + kTokenKey + " key");
  status["tokenHash"] = TokenHash(token);
  return Status();
}

Result<runtime::Action> TrainingRunReconciler::Reconcile(const runtime::ReconcileRequest& req) {
  runtime::ObjectPtr run = d_.runs.cache().Get(req.key);
  if (!run) return runtime::Action::Done();  // Deleted: owner references clean up.
  if (!kube::AnyField(ObjectField(*run, "metadata"), "deletionTimestamp").is_null()) {
    return runtime::Action::Done();
  }

  TrainingRunObserved o;
  o.run = *run;
  o.now = d_.clock.SystemNow();
  const std::string ns = req.key.ns;
  const std::string experiment = StringField(ObjectField(*run, "spec"), "experimentRef");
  if (auto exp = d_.experiments.cache().Get({ns, experiment})) o.experiment = *exp;
  if (auto job = d_.jobs.cache().Get(req.key)) o.job = *job;
  o.pods = Objects(d_.pods.cache().ByIndex(kPodsByRun, ns + "/" + req.key.name));
  if (!o.job && o.experiment) {
    if (NeedsSourceResolution(*run)) o.source = d_.resolve_source(*run);
    if (NeedsDatasetResolution(*run)) o.dataset = d_.resolve_dataset(*run);
  }
  o.new_token = d_.new_token();

  TrainingRunPlan plan = DecideTrainingRun(o, d_.config);

  if (plan.token_secret) {
    json status = plan.status.value_or(ObjectField(o.run, "status"));
    RETURN_IF_ERROR(CreateTokenSecret(*plan.token_secret, status));
    plan.status = std::move(status);
  }
  // The Job before the status that names it: a crash in between leaves a
  // Job the next pass adopts (deterministic name), never a status claiming
  // a Job that does not exist.
  if (plan.job) {
    auto created = d_.client.Create(kube::resources::kJobs, ns, *plan.job);
    if (!created.ok() && created.status().code() != Code::kAlreadyExists) {
      const Status& s = created.status();
      if (s.code() != Code::kInvalidArgument) return s.WithContext("creating Job");
      // The API server refused the pod template: a spec error, on the run.
      const std::string msg = "the API server refused the run's Job: " + s.message();
      plan.status =
          RejectedJobStatus(plan.status.value_or(ObjectField(o.run, "status")), msg, o.now);
      plan.result = FailedPrecondition(msg);
      plan.events.push_back({runtime::EventType::kWarning, "Launch", "JobRejected", msg});
    } else if (d_.after_job_created) {
      d_.after_job_created();
    }
  }
  if (plan.status && *plan.status != ObjectField(o.run, "status")) {
    json updated = o.run;
    updated["status"] = *plan.status;
    auto written = d_.client.Update(kube::resources::kTrainingRuns, ns, updated, "status");
    if (!written.ok()) return written.status().WithContext("writing status");
  }
  for (const auto& e : plan.events) d_.events.Emit(o.run, e.type, e.action, e.reason, e.note);
  if (!plan.result.ok()) return plan.result;
  return runtime::Action::Done();
}

}  // namespace runledger::controllers
