// Percent-decoding of URL paths and query strings, and query parameters.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace runledger::http {

// Decodes %XX escapes (a malformed escape stays as it is). With
// `plus_is_space` (query strings) '+' becomes a space; in a path it is a '+'.
std::string PercentDecode(std::string_view s, bool plus_is_space);

// The decoded value of the first `name=` parameter in `query` (the part of
// the target after '?'); "" for "name" or "name="; nullopt when absent.
std::optional<std::string> QueryParam(std::string_view query, std::string_view name);

}  // namespace runledger::http
