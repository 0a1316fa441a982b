// MLflow's search page token: standard base64 of the JSON {"offset": N},
// N being how many results earlier pages held. Clients treat it as opaque;
// keeping MLflow's spelling lets a token from either server page the other.
//
// Errors: DecodePageToken returns InvalidArgument ("invalid page token ...")
// for text that is not base64, not such a JSON object, or a negative or
// non-integer offset. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger::tracking::search {

// e.g. 1000 -> "eyJvZmZzZXQiOiAxMDAwfQ==" (what Python's json.dumps then
// base64.b64encode give).
std::string EncodePageToken(size_t offset);

// The offset of a token; an empty token is offset 0. Accepts the offset as a
// JSON number or a string of digits, as MLflow does (int(...)).
Result<size_t> DecodePageToken(std::string_view token);

}  // namespace runledger::tracking::search
