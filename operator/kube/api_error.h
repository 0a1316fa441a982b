// Decoding the API server's answers into runledger::Status.
//
// A failed request comes back as an HTTP status and, usually, a
// metav1.Status object. DecodeApiError maps both to a Code that says what the
// caller should do (see base/status.h), keeps the server's reason, field
// causes and retry-after in ErrorDetails, and writes a message a user can act
// on.
#pragma once

#include <string_view>

#include "base/status.h"

namespace runledger::kube {

// `http_status`: the answer's status (>= 300). `body`: its body, JSON or not.
// `retry_after_header`: the Retry-After header, or empty. `what`: the request,
// e.g. "GET /api/v1/namespaces/x/pods/y", used when the body says nothing.
Status DecodeApiError(int http_status, std::string_view body, std::string_view retry_after_header,
                      std::string_view what);

// The error an ERROR watch event carries (its object is a metav1.Status).
Status DecodeWatchError(std::string_view status_json);

}  // namespace runledger::kube
