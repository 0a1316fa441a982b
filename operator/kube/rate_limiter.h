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
#include <stop_token>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"

namespace runledger::kube {

class RateLimiter {
 public:
  // qps <= 0 disables limiting. burst < 1 is treated as 1.
  RateLimiter(double qps, int burst, const Clock& clock);

  // Takes a token and returns how long the caller must wait before it may
  // send (zero when a token was available).
  std::chrono::nanoseconds Reserve() EXCLUDES(mu_);

  // Takes a token, sleeping on the clock for as long as Reserve() says.
  // Returns Cancelled, promptly, when `stop` is requested before the wait is
  // over (also before the call); the token is then given back.
  Status Wait(std::stop_token stop = {}) EXCLUDES(mu_);

 private:
  const double qps_;
  const double burst_;
  const Clock& clock_;
  Mutex mu_;
  double tokens_ GUARDED_BY(mu_);           // Negative when waits are reserved.
  Clock::SteadyTime last_ GUARDED_BY(mu_);  // When tokens_ was last refilled.
};

}  // namespace runledger::kube
