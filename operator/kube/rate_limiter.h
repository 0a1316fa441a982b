// RateLimiter: a client-side token bucket (QPS and burst, as client-go's), so
// a busy operator cannot flood the API server.
//
// The bucket holds at most `burst` tokens and refills at `qps` per second.
// Each request takes one; when none is left the caller waits its turn. Waits
// are reserved in order, so callers are served first come, first served.
//
// Thread-safety: all methods may be called concurrently.
// Lifetime: does not own `clock`; it must outlive the limiter.
#pragma once

#include <chrono>
#include <mutex>

#include "base/clock.h"

namespace runledger::kube {

class RateLimiter {
 public:
  // qps <= 0 disables limiting. burst < 1 is treated as 1.
  RateLimiter(double qps, int burst, const Clock& clock);

  // Takes a token and returns how long the caller must wait before it may
  // send (zero when a token was available).
  std::chrono::nanoseconds Reserve();

  // Takes a token, sleeping on the clock for as long as Reserve() says.
  void Wait();

 private:
  const double qps_;
  const double burst_;
  const Clock& clock_;
  std::mutex mu_;
  double tokens_;           // Guarded by mu_; negative when waits are reserved.
  Clock::SteadyTime last_;  // Guarded by mu_; when tokens_ was last refilled.
};

}  // namespace runledger::kube
