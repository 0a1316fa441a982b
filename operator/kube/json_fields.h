// Reading JSON the API server (or whatever answers in its place) sent,
// without trusting it: parsing refuses nesting deeper than kMaxJsonDepth, and
// a field of the wrong type reads as absent instead of throwing.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace runledger::kube {

// Deepest nesting of arrays and objects accepted from the network. Copying
// and dumping an nlohmann::json recurse once per level, so a hostile answer
// of 100,000 nested brackets would overflow the stack (found by
// fuzz/watch_event_fuzz.cpp); Kubernetes objects nest a few dozen levels.
inline constexpr int kMaxJsonDepth = 1000;

// True when no array or object in `text` nests deeper than `max_depth`.
// Brackets inside strings do not count. Text that is not JSON may pass: the
// parser judges it.
inline bool NestingAtMost(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

// Parses JSON from the network without exceptions: the result is discarded
// (is_discarded()) when `text` is not JSON or nests deeper than kMaxJsonDepth.
inline nlohmann::json ParseUntrustedJson(std::string_view text) {
  if (!NestingAtMost(text, kMaxJsonDepth))
    return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

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

// obj[key] if obj is an object and the field is a boolean; otherwise `fallback`.
inline bool BoolField(const nlohmann::json& obj, std::string_view key, bool fallback = false) {
  if (!obj.is_object()) return fallback;
  const auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// obj[key] of any type if obj is an object and has it; otherwise null.
inline const nlohmann::json& AnyField(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) return kNull;
  const auto it = obj.find(key);
  return it != obj.end() ? *it : kNull;
}

}  // namespace runledger::kube
