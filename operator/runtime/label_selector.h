// LabelSelector: a metav1.LabelSelector (matchLabels and matchExpressions),
// matched against an object's labels the way the API server matches them.
//
//   - Every matchLabels pair must be present with that value.
//   - matchExpressions: In (the label is present with one of the values),
//     NotIn (absent, or present with none of them), Exists, DoesNotExist.
//   - An empty selector ({}) matches everything. The caller decides what an
//     absent selector means (usually: nothing).
//
// Errors: Parse returns InvalidArgument naming the field under `field`
// (e.g. "spec.experimentSelector.matchExpressions[0].operator: ...").
// Thread-safety: immutable after Parse.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace runledger::runtime {

class LabelSelector {
 public:
  static Result<LabelSelector> Parse(const nlohmann::json& selector, std::string_view field);

  // `labels` is metadata.labels (an object, or null for none).
  bool Matches(const nlohmann::json& labels) const;

 private:
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string> values;
  };
  std::vector<Requirement> requirements_;  // matchLabels become kIn with one value.
};

}  // namespace runledger::runtime
