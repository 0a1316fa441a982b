#include "base/clock.h"

#include <gtest/gtest.h>

#include <future>

namespace runledger {
namespace {

TEST(FakeClockTest, MovesOnlyWhenAdvancedOrSlept) {
  FakeClock clock;
  auto t0 = clock.SteadyNow();
  auto s0 = clock.SystemNow();
  EXPECT_EQ(clock.SteadyNow(), t0);
  clock.Advance(std::chrono::seconds(5));
  clock.SleepFor(std::chrono::milliseconds(250));
  EXPECT_EQ(clock.SteadyNow() - t0, std::chrono::milliseconds(5250));
  EXPECT_EQ(clock.SystemNow() - s0, std::chrono::milliseconds(5250));
}

TEST(FakeClockTest, StoppableSleepAdvancesWhenNotStopped) {
  FakeClock clock;
  auto t0 = clock.SteadyNow();
  EXPECT_TRUE(clock.StoppableSleepFor(std::chrono::seconds(3), std::stop_token()));
  EXPECT_EQ(clock.SteadyNow() - t0, std::chrono::seconds(3));
}

TEST(FakeClockTest, StoppableSleepWithAStoppedTokenReturnsFalseWithoutAdvancing) {
  FakeClock clock;
  auto t0 = clock.SteadyNow();
  std::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(clock.StoppableSleepFor(std::chrono::seconds(3), stop.get_token()));
  EXPECT_EQ(clock.SteadyNow(), t0);
}

TEST(RealClockTest, StopFromAnotherThreadEndsAnHourLongSleepPromptly) {
  std::stop_source stop;
  std::future<bool> slept = std::async(std::launch::async, [&] {
    return Clock::Real().StoppableSleepFor(std::chrono::hours(1), stop.get_token());
  });
  stop.request_stop();
  ASSERT_EQ(slept.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(slept.get());
}

TEST(RealClockTest, StoppableSleepWithoutAStopSleepsItsTime) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Clock::Real().StoppableSleepFor(std::chrono::milliseconds(20), std::stop_token()));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(20));
}

}  // namespace
}  // namespace runledger
