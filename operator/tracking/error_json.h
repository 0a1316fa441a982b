// MLflow's error answers: {"error_code": "...", "message": "..."} with the
// HTTP status MLflow's server gives each code (clients branch on both: the
// Python client raises MlflowException with error_code, and retries 429
// and 5xx, so a user's mistake must never be a 5xx).
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace runledger::tracking {

// The HTTP status MLflow answers with for `error_code` (400 for codes it
// does not list).
int MlflowHttpStatus(std::string_view error_code);
// The MLflow error code for a Status code.
std::string_view MlflowErrorCode(Code code);

http::Response MlflowError(std::string_view error_code, std::string_view message);
http::Response MlflowError(const Status& status);

}  // namespace runledger::tracking
