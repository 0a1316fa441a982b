// Reading a Secret's values (its `data` holds them base64-encoded).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger::kube {

// The decoded value of `key` in `secret`'s data; "" when absent or not
// valid base64.
std::string SecretValue(const nlohmann::json& secret, std::string_view key);

}  // namespace runledger::kube
