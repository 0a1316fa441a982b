// Backoff: exponential delays with jitter, and the randomness behind them.
//
// Pure arithmetic: no clock, no global random state. The caller owns the
// attempt count and the random source (a seeded Rng in tests), so every
// delay a test sees is reproducible.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "base/mutex.h"

namespace runledger::runtime {

// A thread-safe source of uniform numbers in [0, 1). Seeded explicitly: pass
// a fixed seed in tests and a random one (Rng::Seeded()) in the process.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // A generator seeded from the operating system's entropy source.
  static Rng Seeded();

  double Uniform() {
    MutexLock lock(mu_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
  }

 private:
  Mutex mu_;
  std::mt19937_64 engine_ GUARDED_BY(mu_);
};

struct Backoff {
  std::chrono::nanoseconds initial{std::chrono::milliseconds(800)};
  std::chrono::nanoseconds max{std::chrono::seconds(30)};
  double factor = 2.0;
  // Each delay is stretched by up to this fraction, at random, so many
  // clients failing together do not retry in lockstep.
  double jitter = 0.0;

  // The delay before retry number `attempt` (0 for the first retry):
  // initial * factor^attempt, capped at max, then stretched by
  // u * jitter (u uniform in [0, 1)); never more than max * (1 + jitter).
  std::chrono::nanoseconds Delay(int attempt, double u = 0.0) const;
};

}  // namespace runledger::runtime
