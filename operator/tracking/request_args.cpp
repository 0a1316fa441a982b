#include "tracking/request_args.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "http/url.h"
#include "kube/json_fields.h"

namespace runledger::tracking {
namespace {

using nlohmann::json;

Status Invalid(std::string_view name, std::string_view expected) {
  return InvalidArgument("Invalid value for parameter '" + std::string(name) + "': expected " +
                         std::string(expected) + ".");
}

}  // namespace

RequestArgs RequestArgs::FromQuery(std::string_view query) {
  json fields = json::object();
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string name = http::PercentDecode(pair.substr(0, eq), /*plus_is_space=*/true);
    const std::string value =
        eq == std::string_view::npos
            ? ""
            : http::PercentDecode(pair.substr(eq + 1), /*plus_is_space=*/true);
    auto it = fields.find(name);
    if (it == fields.end()) {
      fields[name] = value;
    } else {
      if (!it->is_array()) *it = json::array({*it});
      it->push_back(value);
    }
  }
  return RequestArgs(std::move(fields));
}

Result<RequestArgs> RequestArgs::FromJson(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return RequestArgs(json::object());
  json fields = kube::ParseUntrustedJson(body);
  if (fields.is_discarded() || !fields.is_object())
    return InvalidArgument("Malformed request body: expected a JSON object.");
  return RequestArgs(std::move(fields));
}

const json* RequestArgs::Find(std::string_view name) const {
  const auto it = fields_.find(name);
  return it == fields_.end() || it->is_null() ? nullptr : &*it;
}

bool RequestArgs::Has(std::string_view name) const { return Find(name) != nullptr; }

Result<std::string> RequestArgs::String(std::string_view name) const {
  const json* v = Find(name);
  if (!v) return std::string();
  if (v->is_array() && v->size() == 1) v = &(*v)[0];
  if (!v->is_string()) return Invalid(name, "a string");
  return v->get<std::string>();
}

Result<std::string> RequestArgs::Required(std::string_view name) const {
  ASSIGN_OR_RETURN(std::string s, String(name));
  if (s.empty()) {
    return InvalidArgument("Missing value for required parameter '" + std::string(name) +
                           "'. See the API docs for more information about request parameters.");
  }
  return s;
}

Result<std::string> RequestArgs::RequiredOneOf(
    std::initializer_list<std::string_view> names) const {
  for (const auto name : names) {
    if (Has(name)) return Required(name);
  }
  return Required(*names.begin());
}

Result<std::optional<int64_t>> RequestArgs::Int(std::string_view name) const {
  const json* v = Find(name);
  if (!v) return std::optional<int64_t>();
  if (v->is_array() && v->size() == 1) v = &(*v)[0];
  // Above INT64_MAX nlohmann holds an unsigned, which get<int64_t> would wrap.
  if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t{INT64_MAX})
    return Invalid(name, "an integer below 2^63");
  if (v->is_number_integer()) return std::optional<int64_t>(v->get<int64_t>());
  if (v->is_number_float()) {
    const double d = v->get<double>();
    // In range before the cast: a cast of 1e300 to int64 is undefined.
    if (d >= -0x1p63 && d < 0x1p63 && d == std::trunc(d))
      return std::optional<int64_t>(static_cast<int64_t>(d));
  }
  if (v->is_string()) {
    const std::string s = v->get<std::string>();
    int64_t out = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return std::optional<int64_t>(out);
  }
  return Invalid(name, "an integer");
}

Result<std::vector<std::string>> RequestArgs::Strings(std::string_view name) const {
  std::vector<std::string> out;
  const json* v = Find(name);
  if (!v) return out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
    return out;
  }
  if (!v->is_array()) return Invalid(name, "a list of strings");
  for (const auto& e : *v) {
    if (!e.is_string()) return Invalid(name, "a list of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> RequestArgs::KeyValues(
    std::string_view name) const {
  std::vector<std::pair<std::string, std::string>> out;
  const json* v = Find(name);
  if (!v) return out;
  if (!v->is_array()) return Invalid(name, "a list of {key, value} objects");
  for (const auto& e : *v) {
    const json* key = e.is_object() && e.contains("key") ? &e["key"] : nullptr;
    const json* value = e.is_object() && e.contains("value") ? &e["value"] : nullptr;
    if (!key || !key->is_string() || (value && !value->is_string() && !value->is_null()))
      return Invalid(name, "a list of {key, value} objects with string keys and values");
    out.emplace_back(key->get<std::string>(),
                     value && value->is_string() ? value->get<std::string>() : "");
  }
  return out;
}

}  // namespace runledger::tracking
