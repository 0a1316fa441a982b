#include "base/clock.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace runledger
