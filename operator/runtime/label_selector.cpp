#include "runtime/label_selector.h"

#include <algorithm>

namespace runledger::runtime {

using nlohmann::json;

namespace {

Status Invalid(std::string_view field, const std::string& message) {
  return Status(Code::kInvalidArgument, std::string(field) + ": " + message);
}

}  // namespace

Result<LabelSelector> LabelSelector::Parse(const json& selector, std::string_view field) {
  if (!selector.is_object()) return Invalid(field, "must be an object");
  LabelSelector out;
  if (auto it = selector.find("matchLabels"); it != selector.end() && !it->is_null()) {
    const std::string at = std::string(field) + ".matchLabels";
    if (!it->is_object()) return Invalid(at, "must be an object");
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) return Invalid(at + "." + key, "must be a string");
      out.requirements_.push_back({key, Op::kIn, {value.get<std::string>()}});
    }
  }
  if (auto it = selector.find("matchExpressions"); it != selector.end() && !it->is_null()) {
    const std::string at = std::string(field) + ".matchExpressions";
    if (!it->is_array()) return Invalid(at, "must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& e = (*it)[i];
      const std::string here = at + "[" + std::to_string(i) + "]";
      if (!e.is_object()) return Invalid(here, "must be an object");
      Requirement r;
      const json& key = e.contains("key") ? e["key"] : json();
      if (!key.is_string() || key.get<std::string>().empty()) {
        return Invalid(here + ".key", "must be a non-empty string");
      }
      r.key = key.get<std::string>();
      const std::string op = e.value("operator", json()).is_string()
                                 ? e["operator"].get<std::string>()
                                 : std::string();
      if (op == "In") {
        r.op = Op::kIn;
      } else if (op == "NotIn") {
        r.op = Op::kNotIn;
      } else if (op == "Exists") {
        r.op = Op::kExists;
      } else if (op == "DoesNotExist") {
        r.op = Op::kDoesNotExist;
      } else {
        return Invalid(here + ".operator",
                       "must be In, NotIn, Exists or DoesNotExist, not \"" + op + "\"");
      }
      if (auto v = e.find("values"); v != e.end() && !v->is_null()) {
        if (!v->is_array()) return Invalid(here + ".values", "must be an array of strings");
        for (const json& s : *v) {
          if (!s.is_string()) return Invalid(here + ".values", "must be an array of strings");
          r.values.push_back(s.get<std::string>());
        }
      }
      const bool needs_values = r.op == Op::kIn || r.op == Op::kNotIn;
      if (needs_values == r.values.empty()) {
        return Invalid(here + ".values",
                       needs_values ? "must be non-empty for " + op : "must be empty for " + op);
      }
      out.requirements_.push_back(std::move(r));
    }
  }
  return out;
}

bool LabelSelector::Matches(const json& labels) const {
  return std::all_of(requirements_.begin(), requirements_.end(), [&](const Requirement& r) {
    const auto it = labels.is_object() ? labels.find(r.key) : labels.end();
    const bool present = labels.is_object() && it != labels.end() && it->is_string();
    const auto has_value = [&] {
      return present &&
             std::find(r.values.begin(), r.values.end(), it->get<std::string>()) != r.values.end();
    };
    switch (r.op) {
      case Op::kIn: return has_value();
      case Op::kNotIn: return !has_value();
      case Op::kExists: return present;
      case Op::kDoesNotExist: return !present;
    }
    return false;
  });
}

}  // namespace runledger::runtime
