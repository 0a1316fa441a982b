#include "kube/rate_limiter.h"

#include <algorithm>

namespace runledger::kube {

RateLimiter::RateLimiter(double qps, int burst, const Clock& clock)
    : qps_(qps),
      burst_(std::max(1, burst)),
      clock_(clock),
      tokens_(burst_),
      last_(clock.SteadyNow()) {}

std::chrono::nanoseconds RateLimiter::Reserve() {
  if (qps_ <= 0) return std::chrono::nanoseconds(0);
  MutexLock lock(mu_);
  const auto now = clock_.SteadyNow();
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  last_ = now;
  tokens_ -= 1;
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  // The bucket is in debt: this caller's token arrives once the debt is repaid.
  return std::chrono::nanoseconds(static_cast<int64_t>(-tokens_ / qps_ * 1e9));
}

Status RateLimiter::Wait(std::stop_token stop) {
  if (stop.stop_requested()) return Cancelled("stopped while waiting for the client rate limit");
  const auto delay = Reserve();
  if (delay.count() == 0 || clock_.StoppableSleepFor(delay, stop)) return Status();
  // A cancelled caller sends nothing: its token goes back, so the callers
  // behind it do not pay for it (as client-go's limiter cancels a
  // reservation).
  {
    MutexLock lock(mu_);
    tokens_ = std::min(burst_, tokens_ + 1);
  }
  return Cancelled("stopped while waiting for the client rate limit");
}

}  // namespace runledger::kube
