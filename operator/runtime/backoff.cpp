#include "runtime/backoff.h"

#include <algorithm>
#include <cmath>

namespace runledger::runtime {

Rng Rng::Seeded() {
  std::random_device entropy;
  return Rng((static_cast<uint64_t>(entropy()) << 32) ^ entropy());
}

std::chrono::nanoseconds Backoff::Delay(int attempt, double u) const {
  const double base = static_cast<double>(initial.count()) *
                      std::pow(factor, static_cast<double>(std::max(attempt, 0)));
  const double capped = std::min(base, static_cast<double>(max.count()));
  const double stretched = capped * (1.0 + std::clamp(u, 0.0, 1.0) * jitter);
  return std::chrono::nanoseconds(static_cast<int64_t>(stretched));
}

}  // namespace runledger::runtime
