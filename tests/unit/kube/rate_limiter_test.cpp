#include "kube/rate_limiter.h"

#include <gtest/gtest.h>

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
  limiter.Wait();
  limiter.Wait();
  limiter.Wait();
  EXPECT_EQ(clock.SteadyNow() - start, milliseconds(500));
}

TEST(RateLimiterTest, ZeroQpsIsUnlimited) {
  FakeClock clock;
  RateLimiter limiter(0, 1, clock);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Reserve(), nanoseconds(0));
}

}  // namespace
}  // namespace runledger::kube
