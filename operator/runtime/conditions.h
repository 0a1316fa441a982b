// Conditions: kstatus-style status.conditions, changed in memory; the caller
// writes the status (and only when something changed).
//
// runledger's kinds use three types, as kstatus reads them:
//   Ready        True when the object has converged (a run launched or done);
//   Reconciling  True while the controller is still working toward the spec;
//   Stalled      True when it cannot make progress without a change (a bad
//                spec, a missing dependency), with the reason and message.
// lastTransitionTime changes only when a condition's status changes, so a
// reconcile that re-asserts the same condition writes nothing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace runledger::runtime {

// The condition types above.
inline constexpr char kReady[] = "Ready";
inline constexpr char kReconciling[] = "Reconciling";
inline constexpr char kStalled[] = "Stalled";

struct Condition {
  std::string type;
  std::string status;  // "True", "False" or "Unknown".
  std::string reason;  // UpperCamelCase, e.g. "ExperimentNotFound".
  std::string message;
  int64_t observed_generation = 0;
};

// Sets `condition` in `conditions` (a JSON array, created if null). Returns
// true when the array changed.
bool SetCondition(nlohmann::json& conditions, const Condition& condition, Clock::SystemTime now);

// Removes the condition of `type`; true if there was one.
bool RemoveCondition(nlohmann::json& conditions, std::string_view type);

// The condition of `type`, or null.
const nlohmann::json* FindCondition(const nlohmann::json& conditions, std::string_view type);

}  // namespace runledger::runtime
