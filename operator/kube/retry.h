// RetryPolicy: which failed attempts the Client sends again, and after how
// long. The rules are client-go's (rest.Request with its default of 10
// retries):
//
// - An answer 429 Too Many Requests, or 503 Service Unavailable, that carries
//   Retry-After (the header, or retryAfterSeconds in its Status) is retried
//   for every method after that many seconds: the server refused the request
//   before acting on it. The wait is capped at `max_wait`, so a server
//   cannot stall a call for longer.
// - A connection that broke after it was made (the transport's Unavailable
//   with reason kConnectionReset) is retried after `reset_wait` for GET only:
//   GET is idempotent, while a write may have been applied before the
//   connection broke.
// - Nothing else is retried here: a refused connection, a TLS failure, a
//   timeout or any other answer goes back to the caller, whose own backoff
//   (the watcher's, the work queue's) knows more.
// - At most `max_retries` retries per call.
//
// Pure: no I/O, no clock. The Client does the waiting.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "base/status.h"

namespace runledger::kube {

struct RetryPolicy {
  int max_retries = 10;
  std::chrono::seconds reset_wait{1};  // client-go's artificial Retry-After: 1.
  std::chrono::seconds max_wait{30};
};

// How long to wait before sending again after an attempt of `method` ended
// in `error` (a decoded API error, or the transport's), with `retries_done`
// retries of this call already made; nullopt: do not retry.
std::optional<std::chrono::seconds> RetryDelay(const RetryPolicy& policy, std::string_view method,
                                               int retries_done, const Status& error);

}  // namespace runledger::kube
