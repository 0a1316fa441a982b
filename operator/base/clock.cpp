#include "base/clock.h"

#include <thread>

namespace runledger {
namespace {

class RealClock final : public Clock {
 public:
  SteadyTime SteadyNow() const override { return std::chrono::steady_clock::now(); }
  SystemTime SystemNow() const override { return std::chrono::system_clock::now(); }
  void SleepFor(std::chrono::nanoseconds d) const override { std::this_thread::sleep_for(d); }
};

}  // namespace

const Clock& Clock::Real() {
  static const RealClock clock;
  return clock;
}

Clock::SteadyTime FakeClock::SteadyNow() const {
  std::lock_guard lock(mu_);
  return steady_base_ + offset_;
}

Clock::SystemTime FakeClock::SystemNow() const {
  std::lock_guard lock(mu_);
  return system_base_ + std::chrono::duration_cast<SystemTime::duration>(offset_);
}

void FakeClock::SleepFor(std::chrono::nanoseconds d) const { Advance(d); }

void FakeClock::Advance(std::chrono::nanoseconds d) const {
  std::lock_guard lock(mu_);
  offset_ += d;
}

}  // namespace runledger
