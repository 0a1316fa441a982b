#include "controllers/retention_plan.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>

namespace runledger::controllers {

using nlohmann::json;
using std::chrono::hours;
using Time = Clock::SystemTime;

namespace {

constexpr int64_t kMaxHoursOrDays = 99999;  // The CRD's [1-9][0-9]{0,4}.
// S3 bills objects in STANDARD_IA and ONEZONE_IA for at least 30 days.
constexpr hours kInfrequentAccessMinimum(720);
constexpr std::array<std::string_view, 6> kStorageClasses = {
    "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"};
constexpr std::array<std::string_view, 4> kMatchFields = {"promoted", "topPercent", "topN",
                                                          "phase"};

std::string Hours(hours h) { return std::to_string(h.count()) + "h"; }

// ---- The decision ----

// t + d, or nullopt past either end of system_clock.
std::optional<Time> Plus(Time t, hours d) {
  using D = Time::duration;
  constexpr auto kLimit = std::chrono::duration_cast<hours>(D::max());
  if (d > kLimit || d < -kLimit) return std::nullopt;
  const D step = d;
  const D since = t.time_since_epoch();
  if (step > D::zero() ? since > D::max() - step : since < D::min() - step) return std::nullopt;
  return t + step;
}

bool IsFinished(const RetentionRun& run) {
  return run.phase == "Succeeded" || run.phase == "Failed";
}

bool HasLiveArtifacts(const RetentionRun& run) {
  return run.has_artifacts && !run.artifacts_deleted;
}

// The run's value of the Experiment's primary metric, if it has one to rank.
std::optional<double> RankedValue(const RetentionExperiment& e, const RetentionRun& run) {
  if (e.metric.empty() || !IsFinished(run) || !run.metric || std::isnan(*run.metric)) {
    return std::nullopt;
  }
  return run.metric;
}

// One Experiment's ranked metric values, best first.
class Ranking {
 public:
  explicit Ranking(const RetentionExperiment& e) : maximize_(e.goal == MetricGoal::kMaximize) {
    for (const RetentionRun& run : e.runs) {
      if (const auto value = RankedValue(e, run)) best_first_.push_back(*value);
    }
    std::sort(best_first_.begin(), best_first_.end(),
              [this](double a, double b) { return Better(a, b); });
  }

  // How many runs topPercent takes before ties: ceil(percent% of the ranked).
  int64_t TopPercentCount(int percent) const {
    return (int64_t{percent} * static_cast<int64_t>(best_first_.size()) + 99) / 100;
  }

  // True when `value` is among the best `count`, counting every value equal
  // to the last one taken.
  bool InTop(double value, int64_t count) const {
    if (count <= 0 || best_first_.empty()) return false;
    const size_t last = std::min(static_cast<size_t>(count), best_first_.size()) - 1;
    return !Better(best_first_[last], value);
  }

 private:
  bool Better(double a, double b) const { return maximize_ ? a > b : a < b; }

  bool maximize_;
  std::vector<double> best_first_;
};

bool Matches(const TierMatch& m, const RetentionRun& run, std::optional<double> value,
             const Ranking& ranking) {
  if (m.promoted && *m.promoted != run.promoted) return false;
  if (m.phase && *m.phase != run.phase) return false;
  if (m.top_n && !(value && ranking.InTop(*value, *m.top_n))) return false;
  if (m.top_percent && !(value && ranking.InTop(*value, ranking.TopPercentCount(*m.top_percent)))) {
    return false;
  }
  return true;
}

// Colder is later in the tier's transitions: the position of the class's
// last appearance, -1 for STANDARD, nullopt for a class the tier does not list.
std::optional<int> Coldness(const RetentionTier& tier, const std::string& storage_class) {
  if (storage_class.empty() || storage_class == "STANDARD") return -1;
  for (int i = static_cast<int>(tier.transitions.size()) - 1; i >= 0; --i) {
    if (tier.transitions[i].storage_class == storage_class) return i;
  }
  return std::nullopt;
}

struct Due {
  RetentionAction action = RetentionAction::kNone;
  std::string storage_class;
  std::optional<Time> time;
};

// What is due at `at` for a finished run completed at `completion`, not
// under hold, in `tier`, whose artifacts are as `run` records them.
Due DueAt(const RetentionRun& run, Time completion, const RetentionTier& tier, hours min_age,
          Time at) {
  if (!HasLiveArtifacts(run)) return {};
  const std::optional<Time> grown = Plus(completion, min_age);
  if (!grown || at < *grown) return {};
  if (tier.keep) {
    const std::optional<Time> expiry = Plus(completion, *tier.keep);
    if (expiry && at >= *expiry) return {RetentionAction::kDelete, "", std::max(*expiry, *grown)};
  }
  std::optional<int> target;
  std::optional<Time> target_time;
  for (size_t i = 0; i < tier.transitions.size(); ++i) {
    const std::optional<Time> when = Plus(completion, tier.transitions[i].after);
    if (when && at >= *when) {
      target = static_cast<int>(i);
      target_time = when;
    }
  }
  if (!target) return {};
  const std::optional<int> current = Coldness(tier, run.storage_class);
  if (!current || *target <= *current) return {};
  return {RetentionAction::kTransition, tier.transitions[*target].storage_class,
          std::max(*target_time, *grown)};
}

// The first time after `now` when something falls due for `run` (its state
// after this pass), or nullopt. DueAt changes only at the times tried here.
std::optional<Time> NextDue(const RetentionRun& run, Time completion, const RetentionTier& tier,
                            hours min_age, Time now) {
  std::vector<Time> candidates;
  const auto add = [&](hours offset) {
    const std::optional<Time> t = Plus(completion, offset);
    if (t && *t > now) candidates.push_back(*t);
  };
  add(min_age);
  if (tier.keep) add(*tier.keep);
  for (const StorageTransition& t : tier.transitions) add(t.after);
  std::sort(candidates.begin(), candidates.end());
  for (const Time t : candidates) {
    if (DueAt(run, completion, tier, min_age, t).action != RetentionAction::kNone) return t;
  }
  return std::nullopt;
}

// One run's decision before the safety valve, with what the counts need.
struct Assigned {
  RunRetention out;
  std::optional<size_t> tier;
  bool evaluated = false;  // Finished.
  bool live = false;       // Artifacts exist and are not deleted.
};

Assigned Assign(const RetentionExperiment& e, const RetentionRun& run, const Ranking& ranking,
                const RetentionPolicySpec& policy, Time now) {
  Assigned a;
  a.live = HasLiveArtifacts(run);
  a.evaluated = IsFinished(run);
  RunRetention& out = a.out;
  out.namespace_name = e.namespace_name;
  out.experiment = e.name;
  out.run = run.name;
  out.bytes = run.bytes;
  out.objects = run.objects;
  if (!a.evaluated) {
    out.protected_reason = "not finished: phase is \"" + run.phase + "\"";
    return a;
  }
  const std::optional<double> value = RankedValue(e, run);
  for (size_t i = 0; i < policy.tiers.size() && !a.tier; ++i) {
    const RetentionTier& tier = policy.tiers[i];
    if (!tier.match || Matches(*tier.match, run, value, ranking)) a.tier = i;
  }
  if (a.tier) out.tier = policy.tiers[*a.tier].name;
  if (a.tier && run.completion_time && policy.tiers[*a.tier].keep) {
    out.expires_at = Plus(*run.completion_time, *policy.tiers[*a.tier].keep);
  }

  if (run.legal_hold) {
    out.protected_reason = std::string("under legal hold (") + kLegalHoldKey + "=true)";
  } else if (!run.completion_time) {
    out.protected_reason = "finished without a completion time";
  } else if (!a.tier) {
    out.protected_reason = "no tier matches it, so it is kept";
  }
  if (!out.protected_reason.empty()) return a;

  const Time completion = *run.completion_time;
  const std::optional<Time> grown = Plus(completion, policy.min_age);
  if (!grown || now < *grown) {
    out.protected_reason =
        "completed less than safety.minRunAge (" + Hours(policy.min_age) + ") ago";
  }
  const RetentionTier& tier = policy.tiers[*a.tier];
  Due due = DueAt(run, completion, tier, policy.min_age, now);
  out.action = due.action;
  out.storage_class = std::move(due.storage_class);
  out.due_time = due.time;
  RetentionRun after = run;
  if (out.action == RetentionAction::kDelete) after.artifacts_deleted = true;
  if (out.action == RetentionAction::kTransition) after.storage_class = out.storage_class;
  out.next_due = NextDue(after, completion, tier, policy.min_age, now);
  return a;
}

// Rule 5 of the header.
int64_t DeleteCap(int64_t with_artifacts, int percent) {
  if (with_artifacts == 0) return 0;
  return std::max<int64_t>(1, with_artifacts * percent / 100);
}

// Holds back the deletions beyond the cap, oldest expiry first kept.
SafetyValve ApplyValve(const RetentionExperiment& e, int percent, std::vector<Assigned>& runs) {
  SafetyValve valve;
  valve.namespace_name = e.namespace_name;
  valve.experiment = e.name;
  std::vector<RunRetention*> deletions;
  for (Assigned& a : runs) {
    if (a.live) ++valve.with_artifacts;
    if (a.out.action == RetentionAction::kDelete) deletions.push_back(&a.out);
  }
  valve.cap = DeleteCap(valve.with_artifacts, percent);
  valve.due = static_cast<int64_t>(deletions.size());
  if (valve.due <= valve.cap) return valve;
  std::sort(deletions.begin(), deletions.end(), [](const RunRetention* x, const RunRetention* y) {
    return std::tie(x->expires_at, x->run) < std::tie(y->expires_at, y->run);
  });
  for (size_t i = static_cast<size_t>(valve.cap); i < deletions.size(); ++i) {
    deletions[i]->action = RetentionAction::kDeferredDelete;
    deletions[i]->next_due = deletions[i]->due_time;
  }
  valve.deferred = valve.due - valve.cap;
  valve.message =
      "experiment " + e.namespace_name + "/" + e.name + ": " + std::to_string(valve.due) +
      " artifact deletions are due, safety.maxDeletePercentPerRun allows " +
      std::to_string(valve.cap) + " per pass (" + std::to_string(percent) + "% of " +
      std::to_string(valve.with_artifacts) + " runs with artifacts, rounded down, at least one); " +
      std::to_string(valve.deferred) + " deferred to later passes";
  return valve;
}

void Count(const RunRetention& r, RetentionCounts& counts) {
  switch (r.action) {
    case RetentionAction::kNone:
    case RetentionAction::kDeferredDelete: ++counts.kept; break;
    case RetentionAction::kTransition: ++counts.transitioned; break;
    case RetentionAction::kDelete:
      ++counts.deleted;
      counts.bytes_deleted += std::max<int64_t>(0, r.bytes.value_or(0));
      break;
  }
}

}  // namespace

std::string_view RetentionActionName(RetentionAction action) {
  switch (action) {
    case RetentionAction::kNone: return "None";
    case RetentionAction::kTransition: return "Transition";
    case RetentionAction::kDelete: return "Delete";
    case RetentionAction::kDeferredDelete: return "DeferredDelete";
  }
  return "None";
}

RetentionPlan DecideRetention(const RetentionObserved& o) {
  const RetentionPolicySpec& policy = o.policy;
  RetentionPlan plan;
  for (const RetentionTier& tier : policy.tiers) plan.tiers.push_back({tier.name, {}});
  RetentionPolicySpec without_transitions = policy;
  for (RetentionTier& tier : without_transitions.tiers) tier.transitions.clear();

  std::vector<const RetentionExperiment*> experiments;
  for (const RetentionExperiment& e : o.experiments) experiments.push_back(&e);
  std::stable_sort(experiments.begin(), experiments.end(), [](const auto* a, const auto* b) {
    return std::tie(a->namespace_name, a->name) < std::tie(b->namespace_name, b->name);
  });

  for (const RetentionExperiment* e : experiments) {
    std::vector<const RetentionRun*> runs;
    for (const RetentionRun& run : e->runs) runs.push_back(&run);
    std::stable_sort(runs.begin(), runs.end(),
                     [](const auto* a, const auto* b) { return a->name < b->name; });
    const Ranking ranking(*e);
    const RetentionPolicySpec& rules = e->has_storage_classes ? policy : without_transitions;
    std::vector<Assigned> assigned;
    for (const RetentionRun* run : runs) {
      assigned.push_back(Assign(*e, *run, ranking, rules, o.now));
    }
    plan.valves.push_back(ApplyValve(*e, policy.max_delete_percent, assigned));
    plan.deferred += plan.valves.back().deferred;
    for (Assigned& a : assigned) {
      if (a.evaluated) ++plan.evaluated;
      if (a.evaluated && a.live) {
        Count(a.out, plan.total);
        if (a.tier) Count(a.out, plan.tiers[*a.tier].counts);
      }
      if (a.out.next_due && *a.out.next_due > o.now &&
          (!plan.next_due || *a.out.next_due < *plan.next_due)) {
        plan.next_due = a.out.next_due;
      }
      plan.runs.push_back(std::move(a.out));
    }
  }

  for (const RunRetention& r : plan.runs) {
    if (r.action == RetentionAction::kDelete || r.action == RetentionAction::kTransition) {
      plan.preview.push_back(r);
    }
  }
  std::stable_sort(
      plan.preview.begin(), plan.preview.end(),
      [](const RunRetention& a, const RunRetention& b) { return a.due_time < b.due_time; });
  plan.preview_total = static_cast<int64_t>(plan.preview.size());
  if (plan.preview.size() > kRetentionPreviewLimit) plan.preview.resize(kRetentionPreviewLimit);
  return plan;
}

// ---- Parsing the spec ----

namespace {

Status Invalid(const std::string& path, const std::string& what) {
  return InvalidArgument(path + ": " + what);
}

std::optional<hours> HoursOrDays(std::string_view text) {
  if (text.size() < 2 || text.size() > 6) return std::nullopt;
  const char unit = text.back();
  const std::string_view digits = text.substr(0, text.size() - 1);
  if ((unit != 'h' && unit != 'd') || digits.front() == '0') return std::nullopt;
  int64_t n = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return hours(unit == 'd' ? n * 24 : n);
}

// obj[key], or null when absent or null (Kubernetes omits and nulls alike).
const json* Member(const json& obj, std::string_view key) {
  const auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

Result<std::optional<bool>> OptionalBool(const json& obj, std::string_view key,
                                         const std::string& path) {
  const json* v = Member(obj, key);
  if (!v) return std::optional<bool>();
  if (!v->is_boolean()) return Invalid(path, "must be true or false, not " + v->dump());
  return std::optional<bool>(v->get<bool>());
}

Result<std::optional<int64_t>> OptionalInt(const json& obj, std::string_view key,
                                           const std::string& path, int64_t min, int64_t max) {
  const json* v = Member(obj, key);
  if (!v) return std::optional<int64_t>();
  const std::string range = "an integer from " + std::to_string(min) + " to " +
                            std::to_string(max) + ", not " + v->dump();
  if (!v->is_number_integer()) return Invalid(path, "must be " + range);
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(max)) {
    return Invalid(path, "must be " + range);
  }
  const int64_t n = v->get<int64_t>();
  if (n < min || n > max) return Invalid(path, "must be " + range);
  return std::optional<int64_t>(n);
}

Result<std::optional<std::string>> OptionalString(const json& obj, std::string_view key,
                                                  const std::string& path) {
  const json* v = Member(obj, key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return Invalid(path, "must be a string, not " + v->dump());
  return std::optional<std::string>(v->get<std::string>());
}

Result<TierMatch> ParseMatch(const json& m, const std::string& path) {
  if (!m.is_object()) return Invalid(path, "must be an object");
  for (const auto& [key, value] : m.items()) {
    // The API server prunes unknown fields, so one here bypassed it; a
    // criterion silently dropped would widen the tier.
    if (std::find(kMatchFields.begin(), kMatchFields.end(), key) == kMatchFields.end()) {
      return Invalid(path + "." + key,
                     "is not a match criterion (promoted, topPercent, topN, phase)");
    }
  }
  TierMatch match;
  ASSIGN_OR_RETURN(match.promoted, OptionalBool(m, "promoted", path + ".promoted"));
  ASSIGN_OR_RETURN(auto top_percent, OptionalInt(m, "topPercent", path + ".topPercent", 1, 100));
  ASSIGN_OR_RETURN(auto top_n, OptionalInt(m, "topN", path + ".topN", 1, 10000));
  ASSIGN_OR_RETURN(match.phase, OptionalString(m, "phase", path + ".phase"));
  if (top_percent) match.top_percent = static_cast<int>(*top_percent);
  if (top_n) match.top_n = static_cast<int>(*top_n);
  if (match.phase && *match.phase != "Succeeded" && *match.phase != "Failed") {
    return Invalid(path + ".phase", "must be Succeeded or Failed, not \"" + *match.phase + "\"");
  }
  if (match.top_percent && match.top_n) return Invalid(path, "set topPercent or topN, not both");
  if (match == TierMatch{}) {
    return Invalid(path,
                   "must have at least one criterion (promoted, topPercent, topN, phase); omit "
                   "match on the last tier for a catch-all");
  }
  return match;
}

Result<std::vector<StorageTransition>> ParseTransitions(const json& list, const std::string& path,
                                                        std::optional<hours> keep) {
  if (!list.is_array()) return Invalid(path, "must be a list");
  std::vector<StorageTransition> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string item = path + "[" + std::to_string(i) + "]";
    const json& t = list[i];
    if (!t.is_object()) return Invalid(item, "must be an object");
    ASSIGN_OR_RETURN(auto after_text, OptionalString(t, "after", item + ".after"));
    if (!after_text) return Invalid(item + ".after", "is required");
    ASSIGN_OR_RETURN(const hours after, ParseHoursOrDays(*after_text, item + ".after"));
    ASSIGN_OR_RETURN(auto storage_class, OptionalString(t, "storageClass", item + ".storageClass"));
    if (!storage_class) return Invalid(item + ".storageClass", "is required");
    if (std::find(kStorageClasses.begin(), kStorageClasses.end(), *storage_class) ==
        kStorageClasses.end()) {
      return Invalid(item + ".storageClass",
                     "\"" + *storage_class +
                         "\" is not one of STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, "
                         "GLACIER_IR, GLACIER, DEEP_ARCHIVE");
    }
    if ((*storage_class == "STANDARD_IA" || *storage_class == "ONEZONE_IA") &&
        after < kInfrequentAccessMinimum) {
      return Invalid(item + ".after", "S3 keeps objects in " + *storage_class +
                                          " for at least 30 days after they were created: after "
                                          "must be 30d (720h) or more, not " +
                                          *after_text);
    }
    if (!out.empty() && after <= out.back().after) {
      return Invalid(item + ".after", Hours(after) + " is not after the previous transition's " +
                                          Hours(out.back().after) +
                                          ": transitions go in strictly increasing order of after");
    }
    if (keep && after >= *keep) {
      return Invalid(item + ".after", Hours(after) + " must be shorter than keep (" + Hours(*keep) +
                                          "), or the artifacts are deleted first");
    }
    out.push_back({after, *storage_class});
  }
  return out;
}

Result<RetentionTier> ParseTier(const json& t, const std::string& path) {
  if (!t.is_object()) return Invalid(path, "must be an object");
  RetentionTier tier;
  ASSIGN_OR_RETURN(auto name, OptionalString(t, "name", path + ".name"));
  if (!name || name->empty()) return Invalid(path + ".name", "is required");
  tier.name = *name;
  if (const json* match = Member(t, "match")) {
    ASSIGN_OR_RETURN(tier.match, ParseMatch(*match, path + ".match"));
  }
  ASSIGN_OR_RETURN(auto keep, OptionalString(t, "keep", path + ".keep"));
  if (!keep) return Invalid(path + ".keep", "is required: forever, or hours or days such as 30d");
  ASSIGN_OR_RETURN(tier.keep, ParseKeep(*keep, path + ".keep"));
  if (const json* transitions = Member(t, "transitions")) {
    ASSIGN_OR_RETURN(tier.transitions,
                     ParseTransitions(*transitions, path + ".transitions", tier.keep));
  }
  return tier;
}

}  // namespace

Result<hours> ParseHoursOrDays(std::string_view text, std::string_view field) {
  if (const auto h = HoursOrDays(text)) return *h;
  return Invalid(std::string(field), "\"" + std::string(text) +
                                         "\" is not a number of hours or days from 1 to " +
                                         std::to_string(kMaxHoursOrDays) + ", such as 72h or 30d");
}

Result<std::optional<hours>> ParseKeep(std::string_view text, std::string_view field) {
  if (text == "forever") return std::optional<hours>();
  if (const auto h = HoursOrDays(text)) return std::optional<hours>(*h);
  return Invalid(std::string(field), "\"" + std::string(text) +
                                         "\" is not forever or a number of hours or days from 1 "
                                         "to " +
                                         std::to_string(kMaxHoursOrDays) + ", such as 72h or 30d");
}

Result<RetentionPolicySpec> ParseRetentionPolicySpec(const json& spec) {
  if (!spec.is_object()) return Invalid("spec", "must be an object");
  RetentionPolicySpec policy;
  ASSIGN_OR_RETURN(auto dry_run, OptionalBool(spec, "dryRun", "spec.dryRun"));
  policy.dry_run = dry_run.value_or(false);

  const json* tiers = Member(spec, "tiers");
  if (!tiers || !tiers->is_array() || tiers->empty()) {
    return Invalid("spec.tiers", "must be a list of at least one tier");
  }
  for (size_t i = 0; i < tiers->size(); ++i) {
    const std::string path = "spec.tiers[" + std::to_string(i) + "]";
    ASSIGN_OR_RETURN(RetentionTier tier, ParseTier((*tiers)[i], path));
    for (size_t j = 0; j < policy.tiers.size(); ++j) {
      if (policy.tiers[j].name == tier.name) {
        return Invalid(path + ".name", "\"" + tier.name + "\" is also the name of spec.tiers[" +
                                           std::to_string(j) + "]; tier names must be unique");
      }
    }
    const bool last = i + 1 == tiers->size();
    if (last && tier.match) {
      return Invalid(path + ".match",
                     "the last tier must be a catch-all without match, so every run lands in "
                     "some tier");
    }
    if (!last && !tier.match) {
      return Invalid(path,
                     "only the last tier may omit match: a tier without match catches every "
                     "run, so the tiers after it would never apply");
    }
    policy.tiers.push_back(std::move(tier));
  }

  if (const json* safety = Member(spec, "safety")) {
    if (!safety->is_object()) return Invalid("spec.safety", "must be an object");
    ASSIGN_OR_RETURN(auto percent, OptionalInt(*safety, "maxDeletePercentPerRun",
                                               "spec.safety.maxDeletePercentPerRun", 1, 100));
    if (percent) policy.max_delete_percent = static_cast<int>(*percent);
    ASSIGN_OR_RETURN(auto min_age, OptionalString(*safety, "minRunAge", "spec.safety.minRunAge"));
    if (min_age && *min_age == "0") {
      policy.min_age = hours(0);
    } else if (min_age) {
      const std::optional<hours> h = HoursOrDays(*min_age);
      if (!h) {
        return Invalid("spec.safety.minRunAge",
                       "\"" + *min_age + "\" is not 0 or a number of hours or days from 1 to " +
                           std::to_string(kMaxHoursOrDays) + ", such as 24h or 2d");
      }
      policy.min_age = *h;
    }
  }
  return policy;
}

}  // namespace runledger::controllers
