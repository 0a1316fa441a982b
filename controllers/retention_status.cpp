#include "controllers/retention_status.h"

#include <array>
#include <string_view>

#include "kube/json_fields.h"
#include "runtime/conditions.h"
#include "runtime/time_format.h"

namespace runledger::controllers {

using kube::IntField;
using kube::ObjectField;
using kube::StringField;
using nlohmann::json;
using runtime::kReady;
using runtime::kStalled;
using Time = Clock::SystemTime;

namespace {

// The status.artifacts fields a pass writes; the rest belong to others.
constexpr std::array<std::string_view, 7> kOwnedFields = {
    "uri", "count", "bytes", "tier", "expiresAt", "storageClass", "deleted"};

json Counts(const RetentionCounts& c) {
  return {{"kept", c.kept},
          {"transitioned", c.transitioned},
          {"deleted", c.deleted},
          {"bytesDeleted", c.bytes_deleted}};
}

json PreviewItem(const RunRetention& r) {
  json item = {{"experiment", r.experiment},
               {"run", r.run},
               {"action", std::string(RetentionActionName(r.action))}};
  if (!r.tier.empty()) item["tier"] = r.tier;
  if (!r.storage_class.empty()) item["storageClass"] = r.storage_class;
  if (r.bytes) item["bytes"] = *r.bytes;
  if (r.due_time) item["dueTime"] = runtime::Rfc3339(*r.due_time);
  return item;
}

std::string Summary(const RetentionPlan& plan, bool dry_run) {
  const RetentionCounts& t = plan.total;
  std::string s = std::to_string(plan.evaluated) + " finished runs: " + std::to_string(t.deleted) +
                  (dry_run ? " would lose" : " lost") + " their artifacts, " +
                  std::to_string(t.transitioned) + (dry_run ? " would move" : " moved") +
                  " to a colder storage class, " + std::to_string(t.kept) + " kept";
  if (plan.deferred > 0) s += " (" + std::to_string(plan.deferred) + " deletions deferred)";
  return s;
}

}  // namespace

PassTiming PassDue(const json& policy, const Schedule& schedule, Time now) {
  const json& meta = ObjectField(policy, "metadata");
  const json& status = ObjectField(policy, "status");
  if (IntField(status, "observedGeneration") != IntField(meta, "generation")) {
    return {true, "spec changed", now};
  }
  if (status.contains("pass")) return {true, "resuming an interrupted pass", now};
  std::optional<Time> last = runtime::ParseRfc3339(StringField(status, "lastRunTime"));
  if (!last) last = runtime::ParseRfc3339(StringField(meta, "creationTimestamp"));
  if (!last) return {true, "scheduled", now};
  const Time next = schedule.NextAfter(*last);
  if (next <= now) return {true, "scheduled", now};
  return {false, "", next};
}

json RunArtifactsStatus(const RunRetention& decision, const RunArtifactsFacts& facts) {
  json a = {{"count", facts.objects}, {"bytes", facts.bytes}, {"deleted", facts.deleted}};
  if (!facts.uri.empty()) a["uri"] = facts.uri;
  if (!decision.tier.empty()) a["tier"] = decision.tier;
  if (decision.expires_at) a["expiresAt"] = runtime::Rfc3339(*decision.expires_at);
  if (!facts.storage_class.empty()) a["storageClass"] = facts.storage_class;
  return a;
}

std::optional<json> RunArtifactsPatch(const json& run, const json& wanted) {
  const json& recorded = ObjectField(ObjectField(run, "status"), "artifacts");
  json patch = json::object();
  for (std::string_view field : kOwnedFields) {
    const std::string key(field);
    const auto want = wanted.find(key);
    const bool has = recorded.is_object() && recorded.contains(key);
    if (want != wanted.end()) {
      if (!has || recorded[key] != *want) patch[key] = *want;
    } else if (has) {
      patch[key] = nullptr;
    }
  }
  if (patch.empty()) return std::nullopt;
  return json{{"status", {{"artifacts", std::move(patch)}}}};
}

json PassIntent(const RetentionPlan& plan, int64_t generation, Time now) {
  int64_t deletes = 0;
  int64_t transitions = 0;
  for (const RunRetention& r : plan.runs) {
    deletes += r.action == RetentionAction::kDelete;
    transitions += r.action == RetentionAction::kTransition;
  }
  return {{"startedAt", runtime::Rfc3339(now)},
          {"observedGeneration", generation},
          {"deletes", deletes},
          {"transitions", transitions}};
}

json PassStatus(const json& old_status, const RetentionPlan& plan, bool dry_run, int64_t generation,
                Time now, Time next_run, const std::string& note) {
  json s = json::object();
  s["observedGeneration"] = generation;
  s["lastRunTime"] = runtime::Rfc3339(now);
  if (next_run != Time::max()) s["nextRunTime"] = runtime::Rfc3339(next_run);
  s["lastRunDryRun"] = dry_run;
  json summary = Counts(plan.total);
  summary["evaluated"] = plan.evaluated;
  summary["deferred"] = plan.deferred;
  s["summary"] = std::move(summary);
  json tiers = json::array();
  for (const TierCounts& t : plan.tiers) {
    json tier = Counts(t.counts);
    tier["name"] = t.name;
    tiers.push_back(std::move(tier));
  }
  s["tiers"] = std::move(tiers);
  if (dry_run) {
    json preview = json::array();
    for (const RunRetention& r : plan.preview) preview.push_back(PreviewItem(r));
    s["preview"] = std::move(preview);
    s["previewTotal"] = plan.preview_total;
  }
  json conditions = ObjectField(old_status, "conditions");
  runtime::SetCondition(
      conditions,
      {kReady, "True", dry_run ? "DryRun" : "Applied",
       note.empty() ? Summary(plan, dry_run) : Summary(plan, dry_run) + ". " + note, generation},
      now);
  std::string tripped;
  for (const SafetyValve& v : plan.valves) {
    if (v.message.empty()) continue;
    if (!tripped.empty()) tripped += "; ";
    tripped += v.message;
  }
  if (tripped.empty()) {
    runtime::RemoveCondition(conditions, kStalled);
  } else {
    runtime::SetCondition(conditions, {kStalled, "True", "SafetyValve", tripped, generation}, now);
  }
  s["conditions"] = std::move(conditions);
  return s;
}

json FailedPassStatus(const json& old_status, const std::string& reason, const std::string& message,
                      bool stalled, int64_t generation, Time now) {
  json s = old_status.is_object() ? old_status : json::object();
  json& conditions = s["conditions"];
  runtime::SetCondition(conditions, {kReady, "False", reason, message, generation}, now);
  if (stalled) {
    runtime::SetCondition(conditions, {kStalled, "True", reason, message, generation}, now);
  } else {
    // A failure worth retrying means the spec was good: a Stalled left from
    // before (an invalid spec since fixed, a tripped valve) no longer holds.
    runtime::RemoveCondition(conditions, kStalled);
  }
  return s;
}

}  // namespace runledger::controllers
