// RetentionPolicy: the decision. Given a policy's tiers and the runs of the
// Experiments it governs, decide what happens to each run's artifacts on this
// pass: kept, moved to a colder storage class, or deleted. Pure: no I/O, no
// clock (the time is an input); the reconciler gathers the inputs and carries
// the plan out. Run records and metrics are never touched, only artifacts.
//
// Inputs: a RetentionPolicySpec (ParseRetentionPolicySpec reads the CRD's
// spec), every governed Experiment with its runs as RetentionRun (the facts
// the reconciler read from each TrainingRun), and `now`.
//
// Rules, in the order they apply to one run:
//   1. Ranking, per Experiment: the finished runs (Succeeded or Failed) that
//      have a value of the primary metric (NaN counts as missing; an empty
//      metric key means no run has one), best first by the goal. topN takes
//      the N best; topPercent the best ceil(p% of the ranked runs). Ties at
//      the boundary are all in: every run whose value equals the last one
//      taken matches too, so a run is never deleted while one exactly as good
//      is kept. Runs without a value never match topN or topPercent. The
//      ranking ignores artifact state, so deleting artifacts never moves a
//      run to another tier.
//   2. Tier: a finished run belongs to the first tier whose match holds (all
//      given criteria). The CRD makes the last tier a catch-all; should none
//      match anyway, the run is kept and protected_reason says so. Runs that
//      are not finished get no tier.
//   3. Protection: a run is never deleted nor transitioned when it is not
//      finished, is under legal hold, has no completion time, or completed
//      less than min_age ago. Promoted runs are protected only by the tiers
//      (a policy should begin with a promoted tier kept forever).
//   4. The due action, for a run whose artifacts exist and are not deleted:
//      Delete once now >= expires_at (completion + keep; never for forever);
//      else Transition to the storage class of the last transition whose
//      `after` has passed, when that class is colder than the recorded one.
//      Colder means later in the tier's transitions; "" and "STANDARD" are
//      the warmest. A recorded class the tier does not list is left alone:
//      we cannot tell whether the move would warm it, and leaving an archive
//      class needs a restore. A deletion due now is not also transitioned,
//      and an Experiment whose store has no storage classes never is.
//      due_time is when the action became due: the later of its time and
//      completion + min_age.
//   5. Safety valve, per Experiment: at most cap = max(1, floor(
//      max_delete_percent% of its runs, finished or not, whose artifacts
//      exist and are not deleted)) deletions per pass (0 when there are
//      none). The floor of one keeps retention going in Experiments smaller
//      than 100/percent runs, which would otherwise never lose a run; a
//      mistaken policy (say, a wrong metric name that drops every run into
//      the catch-all) still costs at most one run per Experiment per pass
//      there. The deletions
//      with the oldest expires_at (then run name) go first; the rest become
//      kDeferredDelete, nothing happens to them this pass, and the
//      Experiment's SafetyValve says how many were due and allowed.
//   6. next_due, per run: when its next action falls due, assuming this
//      plan's action is carried out; for a deferred deletion its due_time
//      (already past). The plan's next_due is the earliest one after `now`
//      (deferred deletions wait for the next scheduled pass instead).
// Times past the end of system_clock (keep: 99999d) count as never.
//
// dry_run does not change the plan: the preview a dry run shows is exactly
// what a real pass does. The reconciler reads policy.dry_run to decide
// whether to act.
//
// Determinism: the same inputs give the same plan, whatever their order:
// runs are ordered by namespace, Experiment and run name.
// Thread-safety: pure functions of their arguments.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace runledger::controllers {

// Annotations (or labels) the reconciler reads into RetentionRun.
inline constexpr char kPromotedKey[] = "runledger.dev/promoted";
inline constexpr char kLegalHoldKey[] = "runledger.dev/legal-hold";

// The preview in status holds at most this many actions.
inline constexpr size_t kRetentionPreviewLimit = 100;

// Which finished runs a tier takes; every given criterion must hold.
struct TierMatch {
  std::optional<bool> promoted;
  std::optional<int> top_percent;    // 1..100.
  std::optional<int> top_n;          // >= 1.
  std::optional<std::string> phase;  // "Succeeded" or "Failed".
  bool operator==(const TierMatch&) const = default;
};

struct StorageTransition {
  std::chrono::hours after;   // Since completion.
  std::string storage_class;  // An S3 storage class, e.g. "GLACIER_IR".
  bool operator==(const StorageTransition&) const = default;
};

struct RetentionTier {
  std::string name;
  std::optional<TierMatch> match;              // nullopt: every run (catch-all).
  std::optional<std::chrono::hours> keep;      // Since completion; nullopt: forever.
  std::vector<StorageTransition> transitions;  // Ascending `after`, each < keep.
  bool operator==(const RetentionTier&) const = default;
};

// A RetentionPolicy's spec, as ParseRetentionPolicySpec validates it.
struct RetentionPolicySpec {
  std::vector<RetentionTier> tiers;  // First match wins.
  int max_delete_percent = 20;       // spec.safety.maxDeletePercentPerRun, 1..100.
  std::chrono::hours min_age{24};    // spec.safety.minRunAge.
  bool dry_run = false;              // Not read by DecideRetention (see above).
  bool operator==(const RetentionPolicySpec&) const = default;
};

// What the reconciler read from one TrainingRun.
struct RetentionRun {
  std::string name;
  std::string phase;  // Pending, Running, Succeeded, Failed, ...
  std::optional<Clock::SystemTime> completion_time;
  bool promoted = false;         // kPromotedKey=true as a label or annotation.
  bool legal_hold = false;       // kLegalHoldKey=true as an annotation.
  std::optional<double> metric;  // The primary metric's last value; NaN: none.
  // status.artifacts as recorded.
  bool has_artifacts = false;
  bool artifacts_deleted = false;
  std::string storage_class;  // "" is STANDARD.
  std::optional<int64_t> bytes;
  std::optional<int64_t> objects;
};

enum class MetricGoal { kMaximize, kMinimize };

struct RetentionExperiment {
  std::string namespace_name;
  std::string name;
  MetricGoal goal = MetricGoal::kMaximize;
  std::string metric;  // spec.primaryMetric.name; may be empty.
  // False for an artifact store without storage classes (file://): its runs
  // are never transitioned, only deleted.
  bool has_storage_classes = true;
  std::vector<RetentionRun> runs;
};

struct RetentionObserved {
  RetentionPolicySpec policy;
  std::vector<RetentionExperiment> experiments;
  Clock::SystemTime now;
};

enum class RetentionAction {
  kNone,            // Artifacts stay as they are.
  kTransition,      // Move to storage_class.
  kDelete,          // Delete the artifacts.
  kDeferredDelete,  // Due, but held back by the safety valve: nothing this pass.
};

// "None", "Transition", "Delete", "DeferredDelete" (the CRD's preview uses
// the middle two).
std::string_view RetentionActionName(RetentionAction action);

// The decision for one run.
struct RunRetention {
  std::string namespace_name;
  std::string experiment;
  std::string run;
  std::string tier;                             // Empty: not finished, or no tier matches.
  std::optional<Clock::SystemTime> expires_at;  // None: forever, no tier, or no completion time.
  RetentionAction action = RetentionAction::kNone;
  std::string storage_class;  // The target, for kTransition.
  std::optional<int64_t> bytes;
  std::optional<int64_t> objects;
  std::optional<Clock::SystemTime> due_time;  // For an action other than kNone.
  std::optional<Clock::SystemTime> next_due;  // See rule 6; none: nothing further.
  // Non-empty when the run is kept whatever its tier says, and why: not
  // finished, legal hold, no completion time, younger than min_age, or no
  // tier matches.
  std::string protected_reason;
  bool operator==(const RunRetention&) const = default;
};

// Counts over finished runs whose artifacts exist and are not deleted (runs
// without artifacts are evaluated but counted nowhere). kept includes
// deferred deletions: their artifacts stay this pass.
struct RetentionCounts {
  int64_t kept = 0;
  int64_t transitioned = 0;
  int64_t deleted = 0;
  int64_t bytes_deleted = 0;  // Unknown sizes count as 0.
  bool operator==(const RetentionCounts&) const = default;
};

struct TierCounts {
  std::string name;
  RetentionCounts counts;
  bool operator==(const TierCounts&) const = default;
};

// The safety valve of one Experiment on this pass.
struct SafetyValve {
  std::string namespace_name;
  std::string experiment;
  int64_t with_artifacts = 0;  // Runs whose artifacts exist and are not deleted.
  int64_t cap = 0;             // Deletions allowed this pass.
  int64_t due = 0;             // Deletions due.
  int64_t deferred = 0;        // due - cap when positive.
  // Non-empty when it tripped (deferred > 0): names the Experiment and the
  // numbers, for the Stalled condition.
  std::string message;
  bool operator==(const SafetyValve&) const = default;
};

struct RetentionPlan {
  std::vector<RunRetention> runs;  // Every input run, in the order above.
  std::vector<TierCounts> tiers;   // Every tier, in policy order.
  RetentionCounts total;           // Tiered or not.
  int64_t evaluated = 0;           // Finished runs.
  int64_t deferred = 0;
  std::vector<SafetyValve> valves;  // One per Experiment, in order.
  // The kTransition and kDelete actions, soonest due_time first (then by
  // namespace, Experiment, run), at most kRetentionPreviewLimit of
  // preview_total.
  std::vector<RunRetention> preview;
  int64_t preview_total = 0;
  std::optional<Clock::SystemTime> next_due;  // Earliest run next_due after now.
  bool operator==(const RetentionPlan&) const = default;
};

// Defined for any policy, not only those ParseRetentionPolicySpec accepts
// (e.g. one without a catch-all, or min_age 0).
RetentionPlan DecideRetention(const RetentionObserved& observed);

// "<n>h" or "<n>d", n from 1 to 99999 without leading zeros (the CRD's
// pattern), as hours. Errors: InvalidArgument "<field>: ...".
Result<std::chrono::hours> ParseHoursOrDays(std::string_view text, std::string_view field);
// A tier's keep: "forever" (nullopt) or ParseHoursOrDays.
Result<std::optional<std::chrono::hours>> ParseKeep(std::string_view text, std::string_view field);

// Reads and validates a RetentionPolicy's spec object, repeating the CRD's
// schema and CEL rules (an API server older than CEL skips the latter):
// tiers non-empty with unique names; only and always the last tier without
// match; match not empty, only known fields, not both topPercent and topN;
// keep and transitions[].after as above, after strictly ascending and less
// than keep, and at least 30d for STANDARD_IA and ONEZONE_IA (S3's
// minimum); storage classes and phases from the CRD's enums;
// safety.maxDeletePercentPerRun 1..100 (default 20); safety.minRunAge "0"
// or as ParseHoursOrDays (default 24h); dryRun (default false). Unknown fields
// elsewhere are ignored. Errors: InvalidArgument naming the field path, e.g.
// "spec.tiers[1].keep: ...".
Result<RetentionPolicySpec> ParseRetentionPolicySpec(const nlohmann::json& spec);

}  // namespace runledger::controllers
