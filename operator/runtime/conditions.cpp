#include "runtime/conditions.h"

#include "kube/json_fields.h"
#include "runtime/time_format.h"

namespace runledger::runtime {

using nlohmann::json;

const json* FindCondition(const json& conditions, std::string_view type) {
  if (!conditions.is_array()) return nullptr;
  for (const json& c : conditions) {
    if (kube::StringField(c, "type") == type) return &c;
  }
  return nullptr;
}

bool SetCondition(json& conditions, const Condition& condition, Clock::SystemTime now) {
  if (!conditions.is_array()) conditions = json::array();
  json wanted = {{"type", condition.type},
                 {"status", condition.status},
                 {"reason", condition.reason},
                 {"message", condition.message},
                 {"observedGeneration", condition.observed_generation}};
  for (json& c : conditions) {
    if (kube::StringField(c, "type") != condition.type) continue;
    const bool transition = kube::StringField(c, "status") != condition.status;
    wanted["lastTransitionTime"] = transition || !c.contains("lastTransitionTime")
                                       ? json(Rfc3339(now))
                                       : c["lastTransitionTime"];
    if (c == wanted) return false;
    c = std::move(wanted);
    return true;
  }
  wanted["lastTransitionTime"] = Rfc3339(now);
  conditions.push_back(std::move(wanted));
  return true;
}

bool RemoveCondition(json& conditions, std::string_view type) {
  if (!conditions.is_array()) return false;
  for (auto it = conditions.begin(); it != conditions.end(); ++it) {
    if (kube::StringField(*it, "type") == type) {
      conditions.erase(it);
      return true;
    }
  }
  return false;
}

}  // namespace runledger::runtime
