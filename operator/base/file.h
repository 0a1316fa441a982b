// ReadFile: the whole contents of a (small) file, for configuration,
// credentials and tests.
//
// Errors: NotFound when the file does not exist (ENOENT or ENOTDIR), so a
// caller can tell "absent" from "broken"; IoError for every other failure.
// Both messages name the file and the reason.
//
// Thread-safety: safe to call concurrently.
#pragma once

#include <string>

#include "base/status.h"

namespace runledger {

Result<std::string> ReadFile(const std::string& path);

}  // namespace runledger
