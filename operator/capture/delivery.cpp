#include "capture/delivery.h"

#include <algorithm>

namespace runledger::capture {

using std::chrono::milliseconds;

milliseconds Backoff::Next() {
  constexpr int64_t kFirstMs = 250, kMaxMs = 8000;
  const int64_t full = std::min(kMaxMs, kFirstMs << std::min(attempt_, 6));
  ++attempt_;
  std::uniform_int_distribution<int64_t> half(full / 2, full);
  return milliseconds(half(rng_));
}

DeliveryOutcome Deliver(HttpClient& client, const HttpRequest& request, Backoff& backoff,
                        const DeliveryHooks& hooks) {
  backoff.Reset();
  DeliveryOutcome out;
  out.detail = "the flush deadline had passed";
  while (true) {
    std::optional<milliseconds> left = hooks.time_left();
    if (left && *left <= milliseconds(0)) return out;  // kGaveUp, with the last error
    auto answer = client.Send(request, left ? std::min(*left, kAttemptTimeout) : kAttemptTimeout);
    if (answer.ok()) {
      const int status = answer->status;
      if (status >= 200 && status < 300) return {DeliveryOutcome::Kind::kDelivered, status, ""};
      if (status != 429 && status < 500) {
        return {DeliveryOutcome::Kind::kRefused, status, answer->body.substr(0, 300)};
      }
      out.detail = "HTTP " + std::to_string(status);
    } else {
      out.detail = answer.status().message();
    }
    milliseconds delay = backoff.Next();
    left = hooks.time_left();
    if (left) delay = std::min(delay, *left);
    if (delay > milliseconds(0)) hooks.wait(delay);
  }
}

}  // namespace runledger::capture
