#include "store/point.h"

#include <gtest/gtest.h>

#include <limits>

namespace runledger::store {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(LatestRuleTest, LargestStepWinsOverLaterTimestamp) {
  EXPECT_TRUE(LatestBeats({10, 1, 0.5}, {9, 999, 7.0}));
  EXPECT_FALSE(LatestBeats({9, 999, 7.0}, {10, 1, 0.5}));
}

TEST(LatestRuleTest, SameStepLargestTimestampWins) {
  EXPECT_TRUE(LatestBeats({5, 200, 0.1}, {5, 100, 9.0}));
}

TEST(LatestRuleTest, SameStepAndTimestampLargestValueWins) {
  EXPECT_TRUE(LatestBeats({5, 100, 2.0}, {5, 100, 1.0}));
  EXPECT_FALSE(LatestBeats({5, 100, 1.0}, {5, 100, 2.0}));
  EXPECT_FALSE(LatestBeats({5, 100, 1.0}, {5, 100, 1.0}));  // A tie keeps the first.
}

TEST(LatestRuleTest, NumberBeatsNanOnTie) {
  EXPECT_TRUE(LatestBeats({5, 100, -1e300}, {5, 100, kNaN}));
  EXPECT_FALSE(LatestBeats({5, 100, kNaN}, {5, 100, -1e300}));
  EXPECT_FALSE(LatestBeats({5, 100, kNaN}, {5, 100, kNaN}));
}

TEST(SummaryTest, TracksLastMinMaxCountAndSteps) {
  Summary s;
  s.Add({3, 30, 0.5});
  s.Add({1, 10, 0.9});
  s.Add({2, 20, kNaN});
  s.Add({3, 25, 0.1});
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.last, (Sample{3, 30, 0.5}));
  EXPECT_EQ(s.min, 0.1);
  EXPECT_EQ(s.max, 0.9);
  EXPECT_EQ(s.first_step, 1);
  EXPECT_EQ(s.last_step, 3);
}

TEST(SummaryTest, AllNanHasNanMinMax) {
  Summary s;
  s.Add({1, 1, kNaN});
  EXPECT_TRUE(std::isnan(s.min));
  EXPECT_TRUE(std::isnan(s.max));
}

TEST(SummaryTest, MergeEqualsAddingEverything) {
  Summary a, b, all;
  for (int i = 0; i < 10; ++i) {
    Sample x{i % 4, i, i * 1.5 - 3};
    (i % 2 ? a : b).Add(x);
    all.Add(x);
  }
  a.Merge(b);
  EXPECT_EQ(a.count, all.count);
  EXPECT_EQ(a.last, all.last);
  EXPECT_EQ(a.min, all.min);
  EXPECT_EQ(a.max, all.max);
  EXPECT_EQ(a.first_step, all.first_step);
  EXPECT_EQ(a.last_step, all.last_step);
}

TEST(HistoryOrderTest, StepThenTimestampThenValueBits) {
  EXPECT_TRUE(HistoryLess({1, 9, 9}, {2, 0, 0}));
  EXPECT_TRUE(HistoryLess({1, 1, 9}, {1, 2, 0}));
  EXPECT_TRUE(HistoryLess({1, 1, 1.0}, {1, 1, 2.0}));
  EXPECT_FALSE(HistoryLess({1, 1, 1.0}, {1, 1, 1.0}));
}

}  // namespace
}  // namespace runledger::store
