#include "controllers/retention_reconciler.h"

#include <algorithm>
#include <future>
#include <map>
#include <set>

#include "controllers/experiment.h"
#include "controllers/retention_plan.h"
#include "controllers/retention_status.h"
#include "controllers/schedule.h"
#include "controllers/trainingrun_reconciler.h"
#include "kube/json_fields.h"
#include "runtime/label_selector.h"
#include "runtime/time_format.h"
#include "store/artifact_layout.h"
#include "store/s3_object_store.h"

namespace runledger::controllers {

using kube::BoolField;
using kube::IntField;
using kube::ObjectField;
using kube::StringField;
using nlohmann::json;
using Time = Clock::SystemTime;

namespace {

constexpr char kDefaultSchedule[] = "@every 1h";
constexpr auto kMaxRequeue = std::chrono::hours(1);

// What one run has in the store now.
struct ListedRun {
  std::vector<store::ObjectInfo> objects;
  int64_t bytes = 0;
};

bool IsStandard(std::string_view storage_class) {
  return storage_class.empty() || storage_class == "STANDARD";
}

// "true" as a label or an annotation.
bool Flag(const json& meta, const char* key) {
  return StringField(ObjectField(meta, "labels"), key) == "true" ||
         StringField(ObjectField(meta, "annotations"), key) == "true";
}

// The storage class a run's artifacts are in: the listing's when every
// object is in one non-standard class; the recorded one when all are
// standard (a store that keeps no classes, like versitygw's posix backend,
// lists everything as STANDARD); "" when mixed (a transition cut short, to
// be finished).
std::string StorageClassOf(const ListedRun& listed, const json& recorded) {
  std::set<std::string> classes;
  for (const auto& o : listed.objects) {
    classes.insert(IsStandard(o.storage_class) ? "" : o.storage_class);
  }
  if (classes.size() > 1) return "";
  if (classes.empty() || classes.begin()->empty()) return StringField(recorded, "storageClass");
  return *classes.begin();
}

std::chrono::nanoseconds Until(Time next, Time now) {
  if (next == Time::max()) return kMaxRequeue;
  return std::clamp<std::chrono::nanoseconds>(next - now, std::chrono::seconds(1), kMaxRequeue);
}

// What a finished run's status.artifacts should say about its objects, as
// `listed` (what the store holds now) has them. A run with no objects left
// is deleted when it says so already, or when it is past its expiry and
// unprotected: a pass that deleted its objects but died before recording
// it (their deletion was the plan; nothing else removes them).
RunArtifactsFacts FactsOf(const std::map<std::string, ListedRun>& listed,
                          const std::string& uri_base, const json& run,
                          const RunRetention& decision, Time now) {
  const json& status = ObjectField(run, "status");
  const json& recorded = ObjectField(status, "artifacts");
  const std::string run_id = StringField(status, "runId");
  RunArtifactsFacts f;
  f.uri = run_id.empty() ? "" : uri_base + run_id + "/";
  if (auto it = listed.find(run_id); it != listed.end()) {
    f.objects = static_cast<int64_t>(it->second.objects.size());
    f.bytes = it->second.bytes;
    f.storage_class = StorageClassOf(it->second, recorded);
  } else {
    const bool expired =
        decision.expires_at && *decision.expires_at <= now && decision.protected_reason.empty();
    f.deleted = BoolField(recorded, "deleted") || expired;
    f.storage_class = StringField(recorded, "storageClass");
  }
  return f;
}

// A run to record after its objects are gone.
struct RunRecord {
  const json* run;
  const RunRetention* decision;
  RunArtifactsFacts facts;
};

// Writes a finished run's status.artifacts as the pass leaves them.
Status RecordRun(kube::Client& client, const json& run, const RunRetention& decision,
                 const RunArtifactsFacts& facts) {
  const auto patch = RunArtifactsPatch(run, RunArtifactsStatus(decision, facts));
  if (!patch) return Status();
  const json& meta = ObjectField(run, "metadata");
  auto written =
      client.Patch(kube::resources::kTrainingRuns, StringField(meta, "namespace"),
                   StringField(meta, "name"), kube::PatchType::kMerge, *patch, {}, "status");
  if (!written.ok() && written.status().code() != Code::kNotFound) {
    return written.status().WithContext("recording run " + StringField(meta, "name"));
  }
  return Status();
}

}  // namespace

// One pass over one policy: what was read, decided and done.
struct RetentionReconciler::Pass {
  struct Experiment {
    store::ObjectStore* store = nullptr;
    std::string prefix;                       // Of every run's artifacts in `store`, ending in '/'.
    std::string uri_base;                     // The store's URI followed by `prefix`.
    std::map<std::string, ListedRun> listed;  // By run id.
    std::map<std::string, runtime::ObjectPtr, std::less<>> runs;  // By name.
  };
  runtime::ObjectPtr policy;
  RetentionPolicySpec spec;
  int64_t generation = 0;
  Time now;
  std::vector<Experiment> experiments;  // Parallel to observed.experiments.
  RetentionObserved observed;
  RetentionPlan plan;
  std::vector<std::string> ungoverned;                     // Experiments several policies select.
  std::set<std::pair<std::string, std::string>> recorded;  // (experiment, run) written.
  bool status_write_failed = false;                        // Else a failure is the object store's.
};

namespace {

// `written`, noting in `pass` that a failure was Kubernetes', not the store's.
Status Recorded(RetentionReconciler::Pass& pass, Status written) {
  if (!written.ok()) pass.status_write_failed = true;
  return written;
}

}  // namespace

void RetentionReconciler::Watch(runtime::Controller& controller) { controller.For(d_.policies); }

Status RetentionReconciler::Gather(Pass& pass) {
  const json& meta = ObjectField(*pass.policy, "metadata");
  const std::string ns = StringField(meta, "namespace");
  const std::string name = StringField(meta, "name");
  // Which policies select an Experiment by label, to find those two claim.
  std::vector<std::pair<std::string, runtime::LabelSelector>> selectors;
  for (const auto& other : d_.policies.cache().List(ns)) {
    const json& selector = ObjectField(ObjectField(*other, "spec"), "experimentSelector");
    if (selector.is_null()) continue;
    auto parsed = runtime::LabelSelector::Parse(selector, "spec.experimentSelector");
    if (!parsed.ok()) continue;  // That policy is Stalled; its own reconcile says why.
    selectors.emplace_back(StringField(ObjectField(*other, "metadata"), "name"), *parsed);
  }
  for (const auto& exp : d_.experiments.cache().List(ns)) {
    const json& exp_meta = ObjectField(*exp, "metadata");
    const json& exp_spec = ObjectField(*exp, "spec");
    const std::string ref = StringField(exp_spec, "retentionPolicyRef");
    const std::string exp_name = StringField(exp_meta, "name");
    if (!ref.empty()) {
      if (ref != name) continue;
    } else {
      std::vector<std::string> selecting;
      for (const auto& [policy, selector] : selectors) {
        if (selector.Matches(ObjectField(exp_meta, "labels"))) selecting.push_back(policy);
      }
      if (std::find(selecting.begin(), selecting.end(), name) == selecting.end()) continue;
      if (selecting.size() > 1) {
        pass.ungoverned.push_back(exp_name);
        continue;
      }
    }
    Pass::Experiment e;
    const std::string uri = StringField(exp_spec, "artifactStore");
    if (uri.empty()) {
      e.store = &d_.default_store;
    } else {
      auto opened = d_.stores.Get(uri);
      if (!opened.ok()) return opened.status().WithContext("opening " + uri);
      e.store = *opened;
    }
    const std::string& base = uri.empty() ? d_.default_store_uri : uri;
    e.prefix = store::ExperimentArtifactPrefix(ns, exp_name, uri.empty());
    e.uri_base = base + (base.ends_with('/') ? "" : "/") + e.prefix;
    store::ListRequest list;
    list.prefix = e.prefix;
    do {
      auto page = e.store->List(list);
      if (!page.ok()) return page.status().WithContext("listing " + e.uri_base);
      for (auto& o : page->objects) {
        const std::string_view rest = std::string_view(o.key).substr(e.prefix.size());
        const std::string run_id(rest.substr(0, rest.find('/')));
        ListedRun& run = e.listed[run_id];
        run.bytes += static_cast<int64_t>(o.size);
        run.objects.push_back(std::move(o));
      }
      list.continuation_token = page->next_continuation_token;
    } while (!list.continuation_token.empty());

    RetentionExperiment observed;
    observed.namespace_name = ns;
    observed.name = exp_name;
    const json& primary = ObjectField(exp_spec, "primaryMetric");
    observed.metric = StringField(primary, "name");
    observed.goal =
        StringField(primary, "goal") == "minimize" ? MetricGoal::kMinimize : MetricGoal::kMaximize;
    observed.has_storage_classes = dynamic_cast<store::S3ObjectStore*>(e.store) != nullptr;
    for (const auto& run : d_.runs.cache().ByIndex(kRunsByExperiment, ns + "/" + exp_name)) {
      const json& run_meta = ObjectField(*run, "metadata");
      const json& status = ObjectField(*run, "status");
      const json& recorded = ObjectField(status, "artifacts");
      RetentionRun r;
      r.name = StringField(run_meta, "name");
      r.phase = StringField(status, "phase");
      r.completion_time = runtime::ParseRfc3339(StringField(status, "completionTime"));
      r.promoted = Flag(run_meta, kPromotedKey);
      r.legal_hold = Flag(run_meta, kLegalHoldKey);
      r.metric = LastMetricValue(*run, observed.metric);
      const std::string run_id = StringField(status, "runId");
      const auto listed = run_id.empty() ? e.listed.end() : e.listed.find(run_id);
      if (listed != e.listed.end()) {
        r.has_artifacts = true;
        r.storage_class = StorageClassOf(listed->second, recorded);
        r.bytes = listed->second.bytes;
        r.objects = static_cast<int64_t>(listed->second.objects.size());
      } else {
        r.artifacts_deleted = BoolField(recorded, "deleted");
        r.storage_class = StringField(recorded, "storageClass");
      }
      observed.runs.push_back(std::move(r));
      e.runs.emplace(StringField(run_meta, "name"), run);
    }
    pass.observed.experiments.push_back(std::move(observed));
    pass.experiments.push_back(std::move(e));
  }
  return Status();
}

Status RetentionReconciler::Act(Pass& pass) {
  // The plan's runs, found again by (experiment, run).
  std::map<std::pair<std::string, std::string>, size_t> experiment_of;
  for (size_t i = 0; i < pass.observed.experiments.size(); ++i) {
    for (const auto& r : pass.observed.experiments[i].runs) {
      experiment_of[{pass.observed.experiments[i].name, r.name}] = i;
    }
  }

  // Transitions, run by run: each object not yet in the class is rewritten.
  for (const RunRetention& r : pass.plan.runs) {
    if (r.action != RetentionAction::kTransition) continue;
    Pass::Experiment& e = pass.experiments[experiment_of.at({r.experiment, r.run})];
    auto* s3 = dynamic_cast<store::S3ObjectStore*>(e.store);
    const json& run = *e.runs.at(r.run);
    const std::string run_id = StringField(ObjectField(run, "status"), "runId");
    if (!s3 || !e.listed.count(run_id)) continue;
    for (auto& o : e.listed.at(run_id).objects) {
      if (o.storage_class == r.storage_class) continue;
      Status moved = s3->SetStorageClass(o.key, r.storage_class);
      if (!moved.ok() && moved.code() != Code::kNotFound) {
        return moved.WithContext("moving " + e.uri_base + o.key.substr(e.prefix.size()) + " to " +
                                 r.storage_class);
      }
      o.storage_class = r.storage_class;
    }
    RunArtifactsFacts facts = FactsOf(e.listed, e.uri_base, run, r, pass.now);
    facts.storage_class = r.storage_class;
    RETURN_IF_ERROR(Recorded(pass, RecordRun(d_.client, run, r, facts)));
    pass.recorded.insert({r.experiment, r.run});
  }

  // Deletions, per Experiment, in batches across its runs.
  for (size_t i = 0; i < pass.experiments.size(); ++i) {
    Pass::Experiment& e = pass.experiments[i];
    const std::string& experiment = pass.observed.experiments[i].name;
    std::vector<std::string> keys;
    std::vector<const RunRetention*> runs;  // Whose last key is keys.back()'s, in order.
    std::vector<size_t> last_key;           // Index in keys of each run's last key.
    for (const RunRetention& r : pass.plan.runs) {
      if (r.action != RetentionAction::kDelete || r.experiment != experiment) continue;
      const std::string run_id = StringField(ObjectField(*e.runs.at(r.run), "status"), "runId");
      auto listed = e.listed.find(run_id);
      if (listed == e.listed.end()) continue;
      for (const auto& o : listed->second.objects) keys.push_back(o.key);
      runs.push_back(&r);
      last_key.push_back(keys.size() - 1);
    }
    // A batch's runs are recorded (and its Event written) while the next
    // batch is deleted: the store's round trips are the pass's pace, and
    // the API server's are hidden behind them. A run is recorded only after
    // all its objects are gone; one batch's recording is in flight at most.
    std::future<Status> recording;
    const auto finish_recording = [&]() -> Status {
      return recording.valid() ? recording.get() : Status();
    };
    size_t next_run = 0;
    for (size_t start = 0; start < keys.size(); start += d_.delete_batch) {
      const size_t end = std::min(keys.size(), start + d_.delete_batch);
      const std::span<const std::string> batch(keys.data() + start, end - start);
      if (Status deleted = e.store->DeleteMany(batch); !deleted.ok()) {
        finish_recording().IgnoreError();  // The store's failure is the one to report.
        return deleted.WithContext("deleting " + std::to_string(batch.size()) + " objects under " +
                                   e.uri_base);
      }
      std::vector<RunRecord> done;
      int64_t bytes = 0;
      for (; next_run < runs.size() && last_key[next_run] < end; ++next_run) {
        const RunRetention& r = *runs[next_run];
        const json& run = *e.runs.at(r.run);
        const std::string run_id = StringField(ObjectField(run, "status"), "runId");
        bytes += e.listed.at(run_id).bytes;
        e.listed.erase(run_id);
        RunArtifactsFacts facts = FactsOf(e.listed, e.uri_base, run, r, pass.now);
        facts.deleted = true;
        done.push_back({&run, &r, std::move(facts)});
      }
      std::string note =
          "deleted " + std::to_string(batch.size()) + " artifact objects of " + experiment;
      if (!done.empty()) {
        note += "; runs done: ";
        for (size_t k = 0; k < done.size() && k < 5; ++k) {
          note += (k ? ", " : "") + done[k].decision->run;
        }
        if (done.size() > 5) note += " and " + std::to_string(done.size() - 5) + " more";
        note += " (" + std::to_string(bytes) + " bytes)";
      }
      RETURN_IF_ERROR(finish_recording());
      recording = std::async(std::launch::async, [this, &pass, done = std::move(done), note] {
        for (const RunRecord& d : done) {
          RETURN_IF_ERROR(Recorded(pass, RecordRun(d_.client, *d.run, *d.decision, d.facts)));
          pass.recorded.insert({d.decision->experiment, d.decision->run});
        }
        d_.events.Emit(*pass.policy, runtime::EventType::kNormal, "Delete", "ArtifactsDeleted",
                       note);
        return Status();
      });
      if (d_.after_delete_batch) d_.after_delete_batch();
    }
    RETURN_IF_ERROR(finish_recording());
  }
  return Status();
}

// Records the tier and expiry of every finished run the actions left alone.
Status RetentionReconciler::Record(Pass& pass) {
  for (size_t i = 0; i < pass.experiments.size(); ++i) {
    const Pass::Experiment& e = pass.experiments[i];
    const std::string& experiment = pass.observed.experiments[i].name;
    for (const RunRetention& r : pass.plan.runs) {
      if (r.experiment != experiment || r.tier.empty()) continue;
      if (pass.recorded.count({r.experiment, r.run})) continue;
      const json& run = *e.runs.at(r.run);
      RETURN_IF_ERROR(
          RecordRun(d_.client, run, r, FactsOf(e.listed, e.uri_base, run, r, pass.now)));
    }
  }
  return Status();
}

Result<runtime::Action> RetentionReconciler::Reconcile(const runtime::ReconcileRequest& req) {
  Pass pass;
  pass.policy = d_.policies.cache().Get(req.key);
  if (!pass.policy) {
    MutexLock lock(mu_);
    finished_.erase(req.key.String());
    return runtime::Action::Done();
  }
  const json& policy = *pass.policy;
  const json& spec = ObjectField(policy, "spec");
  const json& old_status = ObjectField(policy, "status");
  pass.generation = IntField(ObjectField(policy, "metadata"), "generation").value_or(0);
  pass.now = d_.clock.SystemNow();

  const auto write_status = [&](json status) -> Status {
    if (status == old_status) return Status();
    const json patch = json::array({{{"op", "add"}, {"path", "/status"}, {"value", status}}});
    auto written = d_.client.Patch(kube::resources::kRetentionPolicies, req.key.ns, req.key.name,
                                   kube::PatchType::kJson, patch, {}, "status");
    return written.ok() ? Status() : written.status().WithContext("writing status");
  };

  auto parsed = ParseRetentionPolicySpec(spec);
  const std::string schedule_text =
      spec.contains("schedule") ? StringField(spec, "schedule") : kDefaultSchedule;
  auto schedule = Schedule::Parse(schedule_text);
  Status selector;
  if (const json& s = ObjectField(spec, "experimentSelector"); !s.is_null()) {
    selector = runtime::LabelSelector::Parse(s, "spec.experimentSelector").status();
  }
  if (!parsed.ok() || !schedule.ok() || !selector.ok()) {
    const std::string message = !parsed.ok()     ? parsed.status().message()
                                : !selector.ok() ? selector.message()
                                                 : "spec.schedule: " + schedule.status().message();
    RETURN_IF_ERROR(write_status(
        FailedPassStatus(old_status, "InvalidSpec", message, true, pass.generation, pass.now)));
    return runtime::Action::Done();
  }
  pass.spec = *parsed;
  const std::string key = req.key.String();
  {
    // The cache may not have this operator's last status write yet: a pass
    // it finished for this generation counts even before the cache shows it.
    MutexLock lock(mu_);
    if (auto it = finished_.find(key);
        it != finished_.end() && it->second.generation == pass.generation) {
      const Time next = schedule->NextAfter(it->second.at);
      if (next > pass.now) return runtime::Action::RequeueAfter(Until(next, pass.now));
    }
  }
  const PassTiming timing = PassDue(policy, *schedule, pass.now);
  if (!timing.due) return runtime::Action::RequeueAfter(Until(timing.next, pass.now));

  const auto fail = [&](const Status& why, const json& status) -> Result<runtime::Action> {
    const char* reason = pass.status_write_failed ? "StatusWriteFailed" : "ObjectStoreUnavailable";
    RETURN_IF_ERROR(write_status(
        FailedPassStatus(status, reason, why.message(), false, pass.generation, pass.now)));
    return runtime::Action::RequeueAfter(d_.retry_after);
  };
  if (Status gathered = Gather(pass); !gathered.ok()) return fail(gathered, old_status);
  pass.observed.policy = pass.spec;
  pass.observed.now = pass.now;
  pass.plan = DecideRetention(pass.observed);

  if (!pass.spec.dry_run && (pass.plan.total.deleted > 0 || pass.plan.total.transitioned > 0)) {
    json intent = old_status.is_object() ? old_status : json::object();
    intent["pass"] = PassIntent(pass.plan, pass.generation, pass.now);
    RETURN_IF_ERROR(write_status(intent));
    if (Status acted = Act(pass); !acted.ok()) return fail(acted, intent);
  }
  if (Status recorded = Record(pass); !recorded.ok()) return recorded;
  for (const SafetyValve& v : pass.plan.valves) {
    if (!v.message.empty()) {
      d_.events.Emit(policy, runtime::EventType::kWarning, "Delete", "SafetyValve", v.message);
    }
  }
  std::string note;
  if (!pass.ungoverned.empty()) {
    note =
        "Selected by more than one RetentionPolicy, so governed by none (set "
        "spec.retentionPolicyRef to choose):";
    for (const auto& e : pass.ungoverned) note += " " + e;
  }
  const Time next = schedule->NextAfter(pass.now);
  RETURN_IF_ERROR(write_status(
      PassStatus(old_status, pass.plan, pass.spec.dry_run, pass.generation, pass.now, next, note)));
  {
    MutexLock lock(mu_);
    finished_[key] = {pass.generation, pass.now};
  }
  return runtime::Action::RequeueAfter(Until(next, pass.now));
}

}  // namespace runledger::controllers
