#include "base/clock.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace runledger {
namespace {

class RealClock final : public Clock {
 public:
  SteadyTime SteadyNow() const override { return std::chrono::steady_clock::now(); }
  SystemTime SystemNow() const override { return std::chrono::system_clock::now(); }
  void SleepFor(std::chrono::nanoseconds d) const override { std::this_thread::sleep_for(d); }
  bool StoppableSleepFor(std::chrono::nanoseconds d, std::stop_token stop) const override {
    // condition_variable_any wakes on request_stop() through the token, so
    // a stop from another thread ends the wait at once. Nothing notifies the
    // variable otherwise: the predicate is only "stopped".
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait_for(lock, stop, d, [] { return false; });
    return !stop.stop_requested();
  }
};

}  // namespace

bool Clock::StoppableSleepFor(std::chrono::nanoseconds d, std::stop_token stop) const {
  if (stop.stop_requested()) return false;
  SleepFor(d);
  return !stop.stop_requested();
}

const Clock& Clock::Real() {
  static const RealClock clock;
  return clock;
}

Clock::SteadyTime FakeClock::SteadyNow() const {
  MutexLock lock(mu_);
  return steady_base_ + offset_;
}

Clock::SystemTime FakeClock::SystemNow() const {
  MutexLock lock(mu_);
  return system_base_ + std::chrono::duration_cast<SystemTime::duration>(offset_);
}

void FakeClock::SleepFor(std::chrono::nanoseconds d) const { Advance(d); }

bool FakeClock::StoppableSleepFor(std::chrono::nanoseconds d, std::stop_token stop) const {
  if (stop.stop_requested()) return false;
  Advance(d);
  return true;
}

void FakeClock::Advance(std::chrono::nanoseconds d) const {
  MutexLock lock(mu_);
  offset_ += d;
}

}  // namespace runledger
