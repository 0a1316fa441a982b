#include "kube/retry.h"

#include <algorithm>

#include "kube/transport.h"

namespace runledger::kube {

std::optional<std::chrono::seconds> RetryDelay(const RetryPolicy& policy, std::string_view method,
                                               int retries_done, const Status& error) {
  if (error.ok() || retries_done >= policy.max_retries) return std::nullopt;
  const ErrorDetails& d = error.details();
  if (d.http_status == 429 || d.http_status == 503) {
    if (!d.retry_after) return std::nullopt;  // client-go waits only when told how long.
    return std::clamp(*d.retry_after, std::chrono::seconds(0), policy.max_wait);
  }
  if (d.http_status == 0 && error.code() == Code::kUnavailable && d.reason == kConnectionReset &&
      method == "GET") {
    return policy.reset_wait;
  }
  return std::nullopt;
}

}  // namespace runledger::kube
