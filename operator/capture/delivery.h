// Deliver: one tracking API call, retried until it is answered for good
// (docs/capture.md, "Retries").
//
// A connection failure, a timeout, 5xx or 429 is retried after a jittered
// exponential backoff (Backoff); 2xx is delivered; any other status is
// refused: that request would never succeed, so it is not sent again. The
// same request (headers included, so an Idempotency-Key too) is sent on
// every attempt.
//
// Thread-safety: none; one caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include "capture/http_client.h"

namespace runledger::capture {

// Delays of 250 ms doubling to at most 8 s, each a random point in its upper
// half (full jitter would let a retry come almost at once; half keeps the
// spacing and still spreads many pods apart).
class Backoff {
 public:
  explicit Backoff(uint64_t seed) : rng_(seed) {}
  std::chrono::milliseconds Next();
  void Reset() { attempt_ = 0; }

 private:
  std::mt19937_64 rng_;
  int attempt_ = 0;
};

struct DeliveryOutcome {
  enum class Kind { kDelivered, kRefused, kGaveUp } kind = Kind::kGaveUp;
  int status = 0;      // kRefused: the HTTP status
  std::string detail;  // kRefused: the start of the answer; kGaveUp: the last error
};

struct DeliveryHooks {
  // How long is left to deliver; nullopt: no limit. 0 or less: give up.
  std::function<std::optional<std::chrono::milliseconds>()> time_left;
  // Waits `d` before the next attempt; may return early (e.g. the time
  // left has just changed).
  std::function<void(std::chrono::milliseconds d)> wait;
};

inline constexpr std::chrono::milliseconds kAttemptTimeout{10000};

DeliveryOutcome Deliver(HttpClient& client, const HttpRequest& request, Backoff& backoff,
                        const DeliveryHooks& hooks);

}  // namespace runledger::capture
