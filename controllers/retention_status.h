// RetentionPolicy: the pure parts of a pass around the decision — whether a
// pass is due, what a run's status.artifacts should say, and the policy
// status a pass leaves. No I/O; the reconciler (retention_reconciler.h)
// gathers the inputs and writes the results.
//
// Two-phase passes: before a pass that deletes or transitions anything, the
// reconciler records status.pass (the intent: when it started, for which
// generation, how many actions); only then does it touch objects, and it
// removes status.pass with the pass's results. A status.pass found on start
// (the operator died mid-pass) makes a pass due at once, which recomputes
// the plan from what is there now: objects already deleted are no longer
// listed (a run whose objects are all gone is recorded as deleted), so
// nothing is repeated, and nothing is skipped.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/clock.h"
#include "controllers/retention_plan.h"
#include "controllers/schedule.h"

namespace runledger::controllers {

// Whether a pass is due now, and if not, when.
struct PassTiming {
  bool due = false;
  std::string why;         // When due: "spec changed", "resuming", "scheduled".
  Clock::SystemTime next;  // When not due: the next scheduled pass.
};

// Due when the spec's generation has not been passed yet
// (status.observedGeneration), a pass was interrupted (status.pass), or the
// schedule's next run after status.lastRunTime (creation time before the
// first pass) is at or before `now`.
PassTiming PassDue(const nlohmann::json& policy, const Schedule& schedule, Clock::SystemTime now);

// What one run's status.artifacts should say after this pass (only the
// fields retention owns: tier, expiresAt, storageClass, deleted, count,
// bytes, uri). `objects`/`bytes` are what is in the store now (after the
// pass's action, when acted); `storage_class` the class the artifacts are
// in; `deleted` true once the pass deleted them (or they were already).
struct RunArtifactsFacts {
  std::string uri;  // "<store uri>/<prefix>", where the run's artifacts are.
  int64_t objects = 0;
  int64_t bytes = 0;
  std::string storage_class;
  bool deleted = false;
};
nlohmann::json RunArtifactsStatus(const RunRetention& decision, const RunArtifactsFacts& facts);

// The merge patch ({"status": {"artifacts": {...}}}) that turns the run's
// recorded status.artifacts into `wanted`, or nullopt when nothing differs.
// Fields retention does not own are left alone; a wanted field that is
// absent (expiresAt of a run kept forever) is removed.
std::optional<nlohmann::json> RunArtifactsPatch(const nlohmann::json& run,
                                                const nlohmann::json& wanted);

// status.pass: the intent of a pass about to act.
nlohmann::json PassIntent(const RetentionPlan& plan, int64_t generation, Clock::SystemTime now);

// The policy's status after a finished pass: observedGeneration,
// lastRunTime, nextRunTime, lastRunDryRun, summary, tiers, preview (dry run
// only) and the conditions — Ready True; Stalled True with the valves'
// messages while a safety valve held deletions back (removed otherwise).
// `old_status` supplies the conditions' transition times; status.pass is
// dropped. `note`, when not empty, ends the Ready message (e.g. Experiments
// left ungoverned).
nlohmann::json PassStatus(const nlohmann::json& old_status, const RetentionPlan& plan, bool dry_run,
                          int64_t generation, Clock::SystemTime now, Clock::SystemTime next_run,
                          const std::string& note = "");

// The policy's status when a pass could not run or finish: `old_status`
// (status.pass kept, so the next try resumes) with Ready False
// (reason, message) and, for a spec error (`stalled`), Stalled True; any
// other failure is retried, so it clears an older Stalled.
nlohmann::json FailedPassStatus(const nlohmann::json& old_status, const std::string& reason,
                                const std::string& message, bool stalled, int64_t generation,
                                Clock::SystemTime now);

}  // namespace runledger::controllers
