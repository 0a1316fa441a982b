// Reading fields of JSON the API server (or whatever answers in its place)
// sent, without trusting their types: a field of the wrong type reads as
// absent instead of throwing.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace runledger::kube {

// obj[key] if obj is an object and the field is a string; otherwise "".
inline std::string StringField(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return "";
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

// obj[key] if obj is an object and the field is an integer; otherwise nullopt.
inline std::optional<int64_t> IntField(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return std::nullopt;
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

// obj[key] if obj is an object and the field is an object; otherwise null.
inline const nlohmann::json& ObjectField(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) return kNull;
  const auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? *it : kNull;
}

}  // namespace runledger::kube
