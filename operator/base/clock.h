// Clock: the one way runtime code reads time, so tests can drive it.
//
// Runtime code never calls std::chrono::*::now() itself; it takes a Clock&.
// steady time is for durations and deadlines, system time only for
// timestamps that are recorded (e.g. in a status or a metric point).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <stop_token>

#include "base/mutex.h"

namespace runledger {

class Clock {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  using SystemTime = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;
  virtual SteadyTime SteadyNow() const = 0;
  virtual SystemTime SystemNow() const = 0;
  // Blocks the calling thread for `d` of this clock's time.
  virtual void SleepFor(std::chrono::nanoseconds d) const = 0;
  // Blocks for `d`, or until `stop` is requested, whichever comes first.
  // Returns false when it ended because of `stop` (also when `stop` was
  // requested before the call). The default is not prompt (it sleeps the
  // whole `d`); the real and fake clocks override it.
  virtual bool StoppableSleepFor(std::chrono::nanoseconds d, std::stop_token stop) const;

  // The process-wide real clock.
  static const Clock& Real();
};

// FakeClock moves only when told to; SleepFor advances it instead of
// blocking. A StoppableSleepFor whose token is already stopped returns false
// without advancing.
class FakeClock final : public Clock {
 public:
  SteadyTime SteadyNow() const override;
  SystemTime SystemNow() const override;
  void SleepFor(std::chrono::nanoseconds d) const override;
  bool StoppableSleepFor(std::chrono::nanoseconds d, std::stop_token stop) const override;
  void Advance(std::chrono::nanoseconds d) const;

 private:
  mutable Mutex mu_;
  mutable std::chrono::nanoseconds offset_ GUARDED_BY(mu_){0};
  const SteadyTime steady_base_ = SteadyTime{} + std::chrono::hours(1);
  const SystemTime system_base_ = SystemTime{} + std::chrono::hours(24 * 365 * 56);
};

}  // namespace runledger
