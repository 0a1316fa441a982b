#include "tracking/records.h"

#include <algorithm>

#include "kube/json_fields.h"
#include "runtime/time_format.h"

namespace runledger::tracking {
namespace {

using kube::IntField;
using kube::ObjectField;
using kube::StringField;
using nlohmann::json;

std::string UidHex(const json& object) {
  std::string uid = StringField(ObjectField(object, "metadata"), "uid");
  uid.erase(std::remove(uid.begin(), uid.end(), '-'), uid.end());
  return uid;
}

// Copies the string values of a JSON object into `out` (others are skipped).
void CopyStrings(const json& from, std::map<std::string, std::string>& out) {
  if (!from.is_object()) return;
  for (const auto& [k, v] : from.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
}

// MLflow's status for a run the API has not written: its phase.
std::string StatusOfPhase(std::string_view phase) {
  if (phase == "Succeeded") return kFinished;
  if (phase == "Failed") return kFailed;
  if (phase == "Running") return kRunning;
  return kScheduled;  // Pending, or not yet reconciled.
}

}  // namespace

std::optional<int64_t> MillisOf(std::string_view rfc3339) {
  const auto t = runtime::ParseRfc3339(rfc3339);
  if (!t) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

std::string RunArtifactPath(std::string_view experiment_id, std::string_view run_id) {
  return std::string(experiment_id) + "/" + std::string(run_id) + "/artifacts";
}

std::string RunArtifactUri(std::string_view experiment_id, std::string_view run_id) {
  return "mlflow-artifacts:/" + RunArtifactPath(experiment_id, run_id);
}

std::string ExperimentIdOf(const json& experiment) {
  if (StringField(ObjectField(experiment, "metadata"), "name") == kDefaultExperimentResource)
    return std::string(kDefaultExperimentId);
  return UidHex(experiment);
}

std::string ExperimentNameOf(const json& experiment) {
  const json& meta = ObjectField(experiment, "metadata");
  const std::string display = StringField(ObjectField(experiment, "spec"), "displayName");
  if (!display.empty()) return display;
  const std::string name = StringField(meta, "name");
  if (name == kDefaultExperimentResource) return std::string(kDefaultExperimentName);
  return StringField(meta, "namespace") + "/" + name;
}

ExperimentRecord ExperimentFromObject(const json& experiment) {
  const json& meta = ObjectField(experiment, "metadata");
  const json& annotations = ObjectField(meta, "annotations");
  ExperimentRecord e;
  e.experiment_id = ExperimentIdOf(experiment);
  e.name = ExperimentNameOf(experiment);
  e.ns = StringField(meta, "namespace");
  e.resource_name = StringField(meta, "name");
  e.resource_version = StringField(meta, "resourceVersion");
  const json& spec = ObjectField(experiment, "spec");
  const json& primary = ObjectField(spec, "primaryMetric");
  e.primary_metric = StringField(primary, "name");
  e.maximize = StringField(primary, "goal") != "minimize";
  e.artifact_store = StringField(spec, "artifactStore");
  e.artifact_location = "mlflow-artifacts:/" + e.experiment_id;
  if (StringField(annotations, kLifecycleAnnotation) == kDeleted) e.lifecycle_stage = kDeleted;
  const std::string tags = StringField(annotations, kExperimentTagsAnnotation);
  if (!tags.empty()) CopyStrings(kube::ParseUntrustedJson(tags), e.tags);
  e.creation_time_ms = MillisOf(StringField(meta, "creationTimestamp")).value_or(0);
  e.last_update_time_ms = e.creation_time_ms;
  return e;
}

RunRecord RunFromObject(const json& run, std::string experiment_id) {
  const json& meta = ObjectField(run, "metadata");
  const json& spec = ObjectField(run, "spec");
  const json& status = ObjectField(run, "status");
  const json& tracking = ObjectField(status, "tracking");
  RunRecord r;
  r.run_id = UidHex(run);
  r.ns = StringField(meta, "namespace");
  r.name = StringField(meta, "name");
  r.resource_version = StringField(meta, "resourceVersion");
  r.experiment_ref = StringField(spec, "experimentRef");
  r.parent_name = StringField(spec, "parentRef");
  r.token_hash = StringField(status, "tokenHash");
  if (experiment_id.empty()) {
    experiment_id = r.experiment_ref == kDefaultExperimentResource
                        ? std::string(kDefaultExperimentId)
                        : StringField(status, "experimentId");
  }
  r.experiment_id = std::move(experiment_id);

  r.run_name = StringField(tracking, "runName");
  if (r.run_name.empty()) r.run_name = r.name;
  r.user_id = StringField(tracking, "userId");
  r.status = StringField(tracking, "status");
  if (r.status.empty()) r.status = StatusOfPhase(StringField(status, "phase"));
  r.start_time_ms =
      IntField(tracking, "startTimeMs")
          .value_or(MillisOf(StringField(status, "startTime"))
                        .value_or(MillisOf(StringField(meta, "creationTimestamp")).value_or(0)));
  r.end_time_ms = IntField(tracking, "endTimeMs");
  if (!r.end_time_ms) r.end_time_ms = MillisOf(StringField(status, "completionTime"));
  if (StringField(tracking, "lifecycleStage") == kDeleted) r.lifecycle_stage = kDeleted;
  if (!r.experiment_id.empty()) r.artifact_uri = RunArtifactUri(r.experiment_id, r.run_id);

  // Params: the manifest's, then the API's (log_param refuses to change one).
  CopyStrings(ObjectField(spec, "params"), r.params);
  CopyStrings(ObjectField(tracking, "params"), r.params);
  // Tags: provenance as MLflow's system tags, the manifest's, the API's.
  const json& source = ObjectField(status, "source");
  if (const std::string commit = StringField(source, "commit"); !commit.empty()) {
    r.tags["mlflow.source.git.commit"] = commit;
    r.tags["mlflow.source.type"] = "JOB";
  }
  if (const std::string url = StringField(ObjectField(ObjectField(spec, "source"), "git"), "url");
      !url.empty()) {
    r.tags["mlflow.source.git.repoURL"] = url;
  }
  if (const std::string snapshot = StringField(ObjectField(status, "dataset"), "snapshotId");
      !snapshot.empty()) {
    r.tags["runledger.dataset.snapshotId"] = snapshot;
  }
  r.tags["runledger.trainingRun"] = r.ns + "/" + r.name;
  CopyStrings(ObjectField(spec, "tags"), r.tags);
  CopyStrings(ObjectField(tracking, "tags"), r.tags);
  r.tags["mlflow.runName"] = r.run_name;
  if (!r.user_id.empty()) r.tags["mlflow.user"] = r.user_id;
  return r;
}

}  // namespace runledger::tracking
