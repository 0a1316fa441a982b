#include "kube/rate_limiter.h"

#include <gtest/gtest.h>

#include <future>

namespace runledger::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

TEST(RateLimiterTest, BurstIsFreeThenTokensArriveAtQps) {
  FakeClock clock;
  RateLimiter limiter(10, 3, clock);  // One token per 100 ms.
  EXPECT_EQ(limiter.Reserve(), nanoseconds(0));
  EXPECT_EQ(limiter.Reserve(), nanoseconds(0));
  EXPECT_EQ(limiter.Reserve(), nanoseconds(0));
  EXPECT_EQ(limiter.Reserve(), milliseconds(100));
  EXPECT_EQ(limiter.Reserve(), milliseconds(200));  // Queued behind the previous one.
}

TEST(RateLimiterTest, RefillsWhileIdleButNeverAboveBurst) {
  FakeClock clock;
  RateLimiter limiter(10, 2, clock);
  limiter.Reserve();
  limiter.Reserve();
  clock.Advance(std::chrono::seconds(60));  // Would be 600 tokens; capped at 2.
  EXPECT_EQ(limiter.Reserve(), nanoseconds(0));
  EXPECT_EQ(limiter.Reserve(), nanoseconds(0));
  EXPECT_EQ(limiter.Reserve(), milliseconds(100));
}

TEST(RateLimiterTest, WaitSleepsOnTheClock) {
  FakeClock clock;
  RateLimiter limiter(4, 1, clock);
  const auto start = clock.SteadyNow();
  ASSERT_TRUE(limiter.Wait().ok());
  ASSERT_TRUE(limiter.Wait().ok());
  ASSERT_TRUE(limiter.Wait().ok());
  EXPECT_EQ(clock.SteadyNow() - start, milliseconds(500));
}

TEST(RateLimiterTest, ZeroQpsIsUnlimited) {
  FakeClock clock;
  RateLimiter limiter(0, 1, clock);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Reserve(), nanoseconds(0));
}

TEST(RateLimiterTest, WaitWithAStoppedTokenIsCancelledAndTakesNoToken) {
  FakeClock clock;
  RateLimiter limiter(1, 1, clock);
  std::stop_source stop;
  stop.request_stop();
  EXPECT_EQ(limiter.Wait(stop.get_token()).code(), Code::kCancelled);
  EXPECT_EQ(limiter.Reserve(), nanoseconds(0));  // The one token is still there.
}

TEST(RateLimiterTest, StopFromAnotherThreadEndsAWaitPromptly) {
  // One token per 1000 s on the real clock: only the stop can end the wait.
  RateLimiter limiter(0.001, 1, Clock::Real());
  ASSERT_TRUE(limiter.Wait().ok());
  std::stop_source stop;
  const auto start = std::chrono::steady_clock::now();
  std::future<Status> waited =
      std::async(std::launch::async, [&] { return limiter.Wait(stop.get_token()); });
  stop.request_stop();
  ASSERT_EQ(waited.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(waited.get().code(), Code::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// A fake clock whose stoppable sleeps are cut short: the stop arrives as the
// sleep begins, as it would from another thread.
class StopDuringSleepClock final : public Clock {
 public:
  explicit StopDuringSleepClock(std::stop_source& stop) : stop_(stop) {}
  SteadyTime SteadyNow() const override { return fake_.SteadyNow(); }
  SystemTime SystemNow() const override { return fake_.SystemNow(); }
  void SleepFor(nanoseconds d) const override { fake_.SleepFor(d); }
  bool StoppableSleepFor(nanoseconds, std::stop_token) const override {
    stop_.request_stop();
    return false;
  }

 private:
  FakeClock fake_;
  std::stop_source& stop_;
};

TEST(RateLimiterTest, WaitStoppedMidSleepGivesItsTokenBack) {
  std::stop_source stop;
  StopDuringSleepClock clock(stop);
  RateLimiter limiter(10, 1, clock);
  EXPECT_EQ(limiter.Reserve(), nanoseconds(0));
  // The next token is 100 ms away; a caller that gives up returns it, so the
  // one after it waits 100 ms, not 200 ms.
  EXPECT_EQ(limiter.Wait(stop.get_token()).code(), Code::kCancelled);
  EXPECT_EQ(limiter.Reserve(), milliseconds(100));
}

}  // namespace
}  // namespace runledger::kube
