// RequestArgs: the parameters of one MLflow API call, from a GET query
// string or a POST JSON body, read the same way.
//
// MLflow's clients send GET requests as query parameters (repeated ones
// repeated: run_ids=a&run_ids=b) and everything else as a JSON body. int64
// fields may arrive as JSON numbers or as decimal strings (protobuf's JSON
// form); both read as integers here.
//
// Errors: InvalidArgument with MLflow's message naming the parameter.
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runledger::tracking {

class RequestArgs {
 public:
  // From a query string ("a=1&b=x%20y"; '+' is a space).
  static RequestArgs FromQuery(std::string_view query);
  // From a JSON body; an empty body has no parameters.
  static Result<RequestArgs> FromJson(std::string_view body);

  bool Has(std::string_view name) const;
  // A string parameter; "" when absent.
  Result<std::string> String(std::string_view name) const;
  // A string that must be present and non-empty.
  Result<std::string> Required(std::string_view name) const;
  // The first present of `names` (e.g. run_id, then run_uuid), required.
  Result<std::string> RequiredOneOf(std::initializer_list<std::string_view> names) const;
  Result<std::optional<int64_t>> Int(std::string_view name) const;
  // A repeated string parameter (a single value reads as a list of one).
  Result<std::vector<std::string>> Strings(std::string_view name) const;
  // [{key, value}] lists (tags of runs/create, experiments/create).
  Result<std::vector<std::pair<std::string, std::string>>> KeyValues(std::string_view name) const;

 private:
  explicit RequestArgs(nlohmann::json fields) : fields_(std::move(fields)) {}
  const nlohmann::json* Find(std::string_view name) const;
  nlohmann::json fields_;  // An object.
};

}  // namespace runledger::tracking
