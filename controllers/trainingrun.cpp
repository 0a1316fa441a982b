#include "controllers/trainingrun.h"

#include <openssl/sha.h>

#include <algorithm>

#include "base/encoding.h"
#include "capture/summary.h"
#include "controllers/trainingrun_job.h"
#include "kube/json_fields.h"
#include "runtime/conditions.h"
#include "runtime/time_format.h"

namespace runledger::controllers {

using kube::ObjectField;
using kube::StringField;
using nlohmann::json;
using runtime::kReady;
using runtime::kReconciling;
using runtime::kStalled;

namespace {

bool IsFullCommit(const std::string& s) {
  return (s.size() == 40 || s.size() == 64) && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string UidHex(const json& object) {
  std::string uid = StringField(ObjectField(object, "metadata"), "uid");
  uid.erase(std::remove(uid.begin(), uid.end(), '-'), uid.end());
  return uid;
}

// The job's condition of `type` when its status is True, else null.
const json* TrueJobCondition(const json& job, std::string_view type) {
  const json* c =
      runtime::FindCondition(kube::AnyField(ObjectField(job, "status"), "conditions"), type);
  return c && StringField(*c, "status") == "True" ? c : nullptr;
}

// The trainer's containerStatus in `pod`, or null.
const json* TrainerStatus(const json& pod, const std::string& trainer) {
  const json& status = ObjectField(pod, "status");
  auto statuses = status.find("containerStatuses");
  if (statuses == status.end() || !statuses->is_array()) return nullptr;
  for (const json& cs : *statuses) {
    if (StringField(cs, "name") == trainer) return &cs;
  }
  return nullptr;
}

std::string TrainerName(const json& run) {
  auto index = TrainerIndex(run);
  if (!index.ok()) return "";
  return StringField(
      ObjectField(ObjectField(run, "spec"), "template")["spec"]["containers"][*index], "name");
}

// Pods newest first, so the latest attempt speaks for the run.
std::vector<const json*> NewestFirst(const std::vector<json>& pods) {
  std::vector<const json*> out;
  for (const auto& p : pods) out.push_back(&p);
  std::sort(out.begin(), out.end(), [](const json* a, const json* b) {
    return StringField(ObjectField(*a, "metadata"), "creationTimestamp") >
           StringField(ObjectField(*b, "metadata"), "creationTimestamp");
  });
  return out;
}

// Milliseconds since the epoch (MLflow's times) as a metav1.Time.
std::string MsTime(int64_t ms) {
  return runtime::Rfc3339(Clock::SystemTime(std::chrono::milliseconds(ms)));
}

class Decider {
 public:
  Decider(const TrainingRunObserved& o, const TrainingRunConfig& config)
      : o_(o),
        config_(config),
        meta_(ObjectField(o.run, "metadata")),
        spec_(ObjectField(o.run, "spec")),
        old_status_(ObjectField(o.run, "status")),
        status_(old_status_.is_object() ? old_status_ : json::object()),
        generation_(kube::IntField(meta_, "generation").value_or(0)) {}

  TrainingRunPlan Decide() {
    status_["observedGeneration"] = generation_;
    status_["runId"] = RunId(o_.run);
    if (StringField(status_, "phase").empty()) status_["phase"] = "Pending";
    if (IsTrackedRun(o_.run)) {
      Track();
    } else if (o_.job) {
      FollowJob();
    } else {
      Launch();
    }
    if (status_ != old_status_) plan_.status = status_;
    return std::move(plan_);
  }

 private:
  void Condition(const char* type, bool on, const std::string& reason, const std::string& msg) {
    json& conditions = status_["conditions"];
    if (std::string(type) != kReady && !on) {
      // kstatus: Reconciling and Stalled are present only while True.
      runtime::RemoveCondition(conditions, type);
      if (conditions.empty()) status_.erase("conditions");
      return;
    }
    (void)runtime::SetCondition(conditions, {type, on ? "True" : "False", reason, msg, generation_},
                                o_.now);
  }

  // Pending and cannot go on until something changes.
  void Stall(const std::string& reason, const std::string& message) {
    Condition(kReady, false, reason, message);
    Condition(kReconciling, false, "", "");
    Condition(kStalled, true, reason, message);
  }

  void Progress(const std::string& reason, const std::string& message) {
    Condition(kReady, false, reason, message);
    Condition(kReconciling, true, reason, message);
    Condition(kStalled, false, "", "");
  }

  void Event(runtime::EventType type, std::string action, std::string reason, std::string note) {
    plan_.events.push_back({type, std::move(action), std::move(reason), std::move(note)});
  }

  // Whether the run meets its Experiment's requirements; what is missing
  // otherwise, in words.
  std::vector<std::string> Missing(const json& experiment) const {
    std::vector<std::string> missing;
    const json& espec = ObjectField(experiment, "spec");
    const json& tags = ObjectField(spec_, "tags");
    std::vector<std::string> tags_missing;
    if (auto required = espec.find("requiredTags");
        required != espec.end() && required->is_array()) {
      for (const auto& t : *required) {
        if (!t.is_string()) continue;
        const std::string key = t.get<std::string>();
        if (StringField(tags, key).empty()) tags_missing.push_back(key);
      }
    }
    if (!tags_missing.empty()) {
      std::string list;
      for (const auto& t : tags_missing) list += (list.empty() ? "" : ", ") + t;
      missing.push_back("spec.tags " + list);
    }
    const json& require = ObjectField(espec, "require");
    if (kube::BoolField(require, "gitCommit") &&
        ObjectField(ObjectField(spec_, "source"), "git").is_null()) {
      missing.push_back("spec.source.git (the Experiment requires a git commit)");
    }
    if (kube::BoolField(require, "datasetSnapshot") && ObjectField(spec_, "dataset").is_null()) {
      missing.push_back("spec.dataset (the Experiment requires a dataset snapshot)");
    }
    return missing;
  }

  // Steps 1-4 of the launch (see the header).
  void Launch() {
    const std::string experiment = StringField(spec_, "experimentRef");
    if (!o_.experiment) {
      Progress("ExperimentNotFound", "waiting for Experiment \"" + experiment + "\" in namespace " +
                                         StringField(meta_, "namespace"));
      return;
    }
    status_["experimentId"] = UidHex(*o_.experiment);
    if (auto missing = Missing(*o_.experiment); !missing.empty()) {
      std::string msg = "not started: Experiment \"" + experiment + "\" requires ";
      for (size_t i = 0; i < missing.size(); ++i) msg += (i ? "; " : "") + missing[i];
      Stall("RequirementsNotMet", msg);
      Event(runtime::EventType::kWarning, "Validate", "RequirementsNotMet", msg);
      return;
    }
    // A template that can never be launched is reported before any lookup.
    if (auto job = BuildJob(o_.run, {}, config_); !job.ok()) {
      Stall("InvalidTemplate", job.status().message());
      Event(runtime::EventType::kWarning, "Validate", "InvalidTemplate", job.status().message());
      plan_.result = job.status();
      return;
    }
    if (!ResolveSource() || !ResolveDataset()) return;

    if (StringField(status_, "tokenHash").empty()) {
      const std::string secret = StringField(meta_, "name") + "-token";
      plan_.token_secret = TokenSecret(secret);
      status_["tokenSecretName"] = secret;
      status_["tokenHash"] = TokenHash(o_.new_token);
    }
    // Launch only on what is already recorded: a crash after the Job is
    // created then finds the same commit and token in status.
    const json& recorded = old_status_;
    const bool recorded_source = ObjectField(spec_, "source").is_null() ||
                                 !StringField(ObjectField(recorded, "source"), "commit").empty();
    const bool recorded_dataset =
        ObjectField(spec_, "dataset").is_null() ||
        !StringField(ObjectField(recorded, "dataset"), "snapshotId").empty();
    const bool recorded_token = !StringField(recorded, "tokenHash").empty();
    if (!(recorded_source && recorded_dataset && recorded_token)) {
      Progress("RecordingProvenance", "recording commit, snapshot and token before launch");
      return;
    }
    JobInputs inputs{RunId(o_.run), UidHex(*o_.experiment),
                     StringField(ObjectField(recorded, "source"), "commit"),
                     StringField(ObjectField(recorded, "dataset"), "snapshotId"),
                     StringField(recorded, "tokenSecretName")};
    auto job = BuildJob(o_.run, inputs, config_);
    if (!job.ok()) {  // Checked above; kept for safety.
      Stall("InvalidTemplate", job.status().message());
      plan_.result = job.status();
      return;
    }
    plan_.job = std::move(*job);
    status_["jobName"] = StringField(meta_, "name");
    Progress("JobCreated", "created Job " + StringField(meta_, "name"));
    Event(runtime::EventType::kNormal, "Launch", "JobCreated",
          "created Job " + StringField(meta_, "name") + " at commit " +
              StringField(ObjectField(recorded, "source"), "commit"));
  }

  json TokenSecret(const std::string& name) const {
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"type", "Opaque"},
            {"metadata",
             {{"name", name},
              {"namespace", StringField(meta_, "namespace")},
              {"labels", {{kRunLabel, StringField(meta_, "name")}}},
              {"ownerReferences", json::array({{{"apiVersion", "runledger.dev/v1alpha1"},
                                                {"kind", "TrainingRun"},
                                                {"name", StringField(meta_, "name")},
                                                {"uid", StringField(meta_, "uid")},
                                                {"controller", true},
                                                {"blockOwnerDeletion", true}}})}}},
            {"stringData", {{kTokenKey, o_.new_token}}}};
  }

  // Step 2 for the code. False while the commit is not known.
  bool ResolveSource() {
    const json& git = ObjectField(ObjectField(spec_, "source"), "git");
    if (git.is_null()) return true;
    if (!StringField(ObjectField(status_, "source"), "commit").empty()) return true;
    const std::string url = RedactUrl(StringField(git, "url"));
    std::string revision = StringField(git, "revision");
    if (revision.empty()) revision = "HEAD";
    std::string commit, from = revision;
    if (IsFullCommit(revision)) {
      commit = revision;
    } else if (!o_.source) {
      plan_.result = Internal("revision of " + url + " was not looked up");
      return false;
    } else if (!o_.source->error.ok()) {
      const std::string msg = "cannot resolve revision \"" + revision + "\" of " + url + ": " +
                              o_.source->error.message();
      Stall("SourceUnresolved", msg);
      Event(runtime::EventType::kWarning, "Resolve", "SourceUnresolved", msg);
      // A malformed URL or a short SHA never resolves: terminal. Anything
      // else is retried with backoff: a remote may come back, a ref may be
      // pushed, a Secret may be fixed.
      plan_.result = o_.source->error.code() == Code::kInvalidArgument
                         ? FailedPrecondition(msg)
                         : Status(Code::kUnavailable, msg);
      return false;
    } else {
      commit = o_.source->commit;
      Event(runtime::EventType::kNormal, "Resolve", "SourceResolved",
            "resolved " + revision + " of " + url + " to " + commit);
    }
    status_["source"] = {{"commit", commit},
                         {"shortCommit", commit.substr(0, 7)},
                         {"resolvedFrom", from},
                         {"dirty", kube::BoolField(git, "dirty")},
                         {"checkedOut", !ObjectField(git, "checkout").is_null()}};
    return true;
  }

  // Step 2 for the data. False while the snapshot is not known.
  bool ResolveDataset() {
    const json& dataset = ObjectField(spec_, "dataset");
    if (dataset.is_null()) return true;
    const std::string uri = StringField(dataset, "uri");
    const std::string given = StringField(dataset, "snapshotId");
    if (!given.empty()) {
      status_["dataset"] = {{"uri", uri}, {"snapshotId", given}};
      return true;
    }
    if (!StringField(ObjectField(status_, "dataset"), "snapshotId").empty()) return true;
    if (!o_.dataset) {
      plan_.result = Internal("dataset " + uri + " was not looked up");
      return false;
    }
    if (!o_.dataset->error.ok()) {
      const std::string msg =
          "cannot fingerprint dataset " + uri + ": " + o_.dataset->error.message();
      Stall("DatasetUnresolved", msg);
      Event(runtime::EventType::kWarning, "Resolve", "DatasetUnresolved", msg);
      const Code code = o_.dataset->error.code();
      const bool transient =
          code == Code::kUnavailable || code == Code::kIoError || code == Code::kDeadlineExceeded;
      plan_.result = transient ? Status(Code::kUnavailable, msg) : FailedPrecondition(msg);
      return false;
    }
    status_["dataset"] = {{"uri", uri},
                          {"snapshotId", o_.dataset->snapshot_id},
                          {"fingerprint", o_.dataset->snapshot_id}};
    return true;
  }

  // Step 5: the phase follows the Job and its pods.
  void FollowJob() {
    const json& job = *o_.job;
    const json& job_meta = ObjectField(job, "metadata");
    const std::string uid = StringField(meta_, "uid");
    bool ours = false;
    if (auto refs = job_meta.find("ownerReferences"); refs != job_meta.end() && refs->is_array()) {
      for (const auto& ref : *refs) {
        if (kube::BoolField(ref, "controller") && StringField(ref, "uid") == uid) ours = true;
      }
    }
    if (!ours) {
      const std::string msg = "a Job named " + StringField(job_meta, "name") +
                              " exists and is not this run's; delete or rename it";
      Stall("JobNameTaken", msg);
      plan_.result = FailedPrecondition(msg);
      return;
    }
    status_["jobName"] = StringField(job_meta, "name");
    const std::string trainer = TrainerName(o_.run);
    const auto pods = NewestFirst(o_.pods);
    if (!pods.empty()) status_["podName"] = StringField(ObjectField(*pods[0], "metadata"), "name");

    // The image digest the trainer really ran, and when it started.
    for (const json* pod : pods) {
      const json* cs = TrainerStatus(*pod, trainer);
      if (!cs) continue;
      const std::string image_id = StringField(*cs, "imageID");
      if (!image_id.empty()) {
        const auto at = image_id.find("sha256:");
        status_["env"]["imageDigest"] = at == std::string::npos ? image_id : image_id.substr(at);
      }
      if (!status_.contains("startTime")) {
        const json& state = ObjectField(*cs, "state");
        std::string started = StringField(ObjectField(state, "running"), "startedAt");
        if (started.empty()) started = StringField(ObjectField(state, "terminated"), "startedAt");
        if (!started.empty()) status_["startTime"] = started;
      }
      break;
    }
    // The trainer's last exit, and the capture summary runledger-capture
    // leaves as its termination message (docs/capture.md): the environment
    // the run really had.
    const json* terminated = nullptr;
    for (const json* pod : pods) {
      const json* cs = TrainerStatus(*pod, trainer);
      if (!cs) continue;
      const json& t = ObjectField(ObjectField(*cs, "state"), "terminated");
      if (!t.is_null()) {
        terminated = &t;
        break;
      }
    }
    auto summary = capture::ParseSummary(terminated ? StringField(*terminated, "message") : "");
    if (summary.ok()) {
      for (const auto& [key, value] : capture::StatusEnv(*summary)) status_["env"][key] = value;
    }

    std::string phase = "Pending";
    const json& job_status = ObjectField(job, "status");
    if (const json* done = TrueJobCondition(job, "Complete")) {
      phase = "Succeeded";
      std::string at = StringField(job_status, "completionTime");
      status_["completionTime"] = at.empty() ? StringField(*done, "lastTransitionTime") : at;
    } else if (const json* failed = TrueJobCondition(job, "Failed")) {
      phase = "Failed";
      json failure = {{"reason", StringField(*failed, "reason")},
                      {"message", StringField(*failed, "message")}};
      if (terminated) {
        if (auto code = kube::IntField(*terminated, "exitCode")) failure["exitCode"] = *code;
        if (auto r = StringField(*terminated, "reason"); !r.empty()) failure["reason"] = r;
        // A message that is not the capture summary is the trainer's own (or
        // its log tail, with FallbackToLogsOnError).
        if (auto m = StringField(*terminated, "message"); !m.empty() && !summary.ok()) {
          failure["message"] = m;
        }
      }
      status_["failure"] = std::move(failure);
      status_["completionTime"] = StringField(*failed, "lastTransitionTime");
    } else {
      // The Job concludes a moment after its pod has ended, and a retried
      // pod starts Pending again: the run that has started stays Running
      // until the Job concludes, never back to Pending.
      for (const json* pod : pods) {
        const std::string pod_phase = StringField(ObjectField(*pod, "status"), "phase");
        if (pod_phase == "Running" || pod_phase == "Succeeded" || pod_phase == "Failed") {
          phase = "Running";
        }
      }
      if (StringField(old_status_, "phase") == "Running") phase = "Running";
    }
    if ((phase == "Running" || phase == "Succeeded" || phase == "Failed") &&
        !status_.contains("startTime")) {
      const std::string started = StringField(job_status, "startTime");
      if (!started.empty()) status_["startTime"] = started;
    }
    if (phase == "Pending") {
      status_["phase"] = phase;
      const bool suspended = kube::BoolField(ObjectField(job, "spec"), "suspend");
      Progress(suspended ? "Suspended" : "PodPending",
               suspended ? "the Job is suspended, waiting to be admitted"
                         : "waiting for the pod to start");
      return;
    }
    Settle(phase, "the trainer is running");
  }

  // The run is now Running, Succeeded or Failed (status.failure says why):
  // its phase, conditions, and an event when it has just finished.
  void Settle(const std::string& phase, const std::string& running_message) {
    const std::string old_phase = StringField(old_status_, "phase");
    status_["phase"] = phase;
    Condition(kReconciling, false, "", "");
    if (phase == "Failed") {
      const json& f = status_["failure"];
      std::string msg = "the run failed: " + StringField(f, "reason");
      if (auto code = kube::IntField(f, "exitCode")) msg += ", exit code " + std::to_string(*code);
      if (auto m = StringField(f, "message"); !m.empty()) msg += ": " + m;
      Condition(kReady, false, "Failed", msg);
      Condition(kStalled, true, "Failed", msg);
      if (old_phase != "Failed") Event(runtime::EventType::kWarning, "Run", "Failed", msg);
      return;
    }
    Condition(kStalled, false, "", "");
    if (phase == "Running") {
      Condition(kReady, true, "Running", running_message);
      return;
    }
    Condition(kReady, true, "Succeeded", "the run finished successfully");
    if (old_phase != "Succeeded") {
      Event(runtime::EventType::kNormal, "Run", "Succeeded", "the run finished successfully");
    }
  }

  // A tracked run (see the header): the phase and times follow what the
  // tracking API recorded in status.tracking.
  void Track() {
    if (o_.experiment) status_["experimentId"] = UidHex(*o_.experiment);
    const json& tracking = ObjectField(old_status_, "tracking");
    const std::string reported = StringField(tracking, "status");
    if (const auto start = kube::IntField(tracking, "startTimeMs"); start && *start > 0) {
      status_["startTime"] = MsTime(*start);
    }
    std::string phase = "Running";  // The API creates runs RUNNING.
    if (reported == "SCHEDULED") {
      phase = "Pending";
    } else if (reported == "FINISHED") {
      phase = "Succeeded";
    } else if (reported == "FAILED" || reported == "KILLED") {
      phase = "Failed";
      status_["failure"] = {
          {"reason", reported == "KILLED" ? "Killed" : "Failed"},
          {"message", "the code reported " + reported + " through the MLflow tracking API"}};
    }
    if (phase != "Failed") status_.erase("failure");  // Resumed after a failure.
    if (phase == "Succeeded" || phase == "Failed") {
      // endTimeMs when reported; else when the operator first saw the end.
      if (const auto end = kube::IntField(tracking, "endTimeMs"); end && *end > 0) {
        status_["completionTime"] = MsTime(*end);
      } else if (!status_.contains("completionTime")) {
        status_["completionTime"] = runtime::Rfc3339(o_.now);
      }
    } else {
      status_.erase("completionTime");  // MLflow lets a finished run be resumed.
    }
    if (!o_.experiment) {
      status_["phase"] = phase;
      Progress("ExperimentNotFound", "Experiment \"" + StringField(spec_, "experimentRef") +
                                         "\" not found in namespace " +
                                         StringField(meta_, "namespace"));
      return;
    }
    if (phase == "Pending") {
      status_["phase"] = phase;
      Progress("Scheduled", "the code reported SCHEDULED through the MLflow tracking API");
      return;
    }
    Settle(phase, "the code is running and reports through the MLflow tracking API");
  }

  const TrainingRunObserved& o_;
  const TrainingRunConfig& config_;
  const json& meta_;
  const json& spec_;
  const json old_status_;
  json status_;
  const int64_t generation_;
  TrainingRunPlan plan_;
};

}  // namespace

json RejectedJobStatus(json status, const std::string& message, Clock::SystemTime now) {
  status.erase("jobName");
  json& conditions = status["conditions"];
  const int64_t generation = kube::IntField(status, "observedGeneration").value_or(0);
  (void)runtime::SetCondition(conditions, {kReady, "False", "JobRejected", message, generation},
                              now);
  (void)runtime::RemoveCondition(conditions, kReconciling);
  (void)runtime::SetCondition(conditions, {kStalled, "True", "JobRejected", message, generation},
                              now);
  return status;
}

std::string RunId(const json& run) { return UidHex(run); }

std::string TokenHash(const std::string& token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return "sha256:" + HexEncode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

bool IsTrackedRun(const json& run) {
  return ObjectField(ObjectField(run, "spec"), "template").is_null();
}

bool NeedsSourceResolution(const json& run) {
  if (IsTrackedRun(run)) return false;
  const json& git = ObjectField(ObjectField(ObjectField(run, "spec"), "source"), "git");
  if (git.is_null()) return false;
  if (IsFullCommit(StringField(git, "revision"))) return false;
  const json& status = ObjectField(run, "status");
  return StringField(ObjectField(status, "source"), "commit").empty() &&
         StringField(status, "jobName").empty();
}

bool NeedsDatasetResolution(const json& run) {
  if (IsTrackedRun(run)) return false;
  const json& dataset = ObjectField(ObjectField(run, "spec"), "dataset");
  if (dataset.is_null() || !StringField(dataset, "snapshotId").empty()) return false;
  const json& status = ObjectField(run, "status");
  return StringField(ObjectField(status, "dataset"), "snapshotId").empty() &&
         StringField(status, "jobName").empty();
}

TrainingRunPlan DecideTrainingRun(const TrainingRunObserved& observed,
                                  const TrainingRunConfig& config) {
  return Decider(observed, config).Decide();
}

}  // namespace runledger::controllers
