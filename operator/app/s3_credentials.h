// S3 credentials from a Secret (--s3-credentials-secret NAMESPACE/NAME):
// the keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and
// AWS_SESSION_TOKEN when present, read through the API server.
//
// The Secret is read at most once per `refresh` (a request in between uses
// the last answer), so a rotated key is in use within that time, without a
// restart. While a read fails, the last good credentials are used until they
// are `refresh` * 10 old; without any, every request fails with the reason.
//
// Errors (FailedPrecondition) name the Secret and what is wrong with it: not
// found, not readable, a key missing or empty.
// Thread-safety: the returned function may be called from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "kube/client.h"
#include "store/s3/s3_client.h"

namespace runledger::app {

using CredentialsSource = std::function<Result<store::s3::Credentials>()>;

// `reference` is "NAMESPACE/NAME"; InvalidArgument naming the flag otherwise.
// `client` and `clock` must outlive the returned function.
Result<CredentialsSource> SecretCredentials(
    kube::Client& client, const std::string& reference, const Clock& clock,
    std::chrono::seconds refresh = std::chrono::seconds(60));

}  // namespace runledger::app
