#include "tracking/summarizer.h"

#include <gtest/gtest.h>

#include <limits>

namespace runledger::tracking {
namespace {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

store::Summary SummaryOf(std::initializer_list<store::Sample> samples) {
  store::Summary s;
  for (const auto& sample : samples) s.Add(sample);
  return s;
}

TEST(SummaryPatchTest, KeyHasLastMinMaxCountStepTimestamp) {
  const auto patch = StatusSummarizer::SummaryPatch(
      {{"loss", SummaryOf({{0, 100, 0.9}, {2, 300, 0.4}, {1, 200, 0.2}})}}, "", 10);
  EXPECT_EQ(patch, (json{{"metrics",
                          {{"loss",
                            {{"last", 0.4},
                             {"min", 0.2},
                             {"max", 0.9},
                             {"count", 3},
                             {"step", 2},
                             {"timestamp", 300}}}}}}));
}

TEST(SummaryPatchTest, PrimaryMetricHasNameValueStep) {
  const auto patch = StatusSummarizer::SummaryPatch(
      {{"acc", SummaryOf({{5, 10, 0.75}})}, {"loss", SummaryOf({{5, 10, 0.1}})}}, "acc", 10);
  EXPECT_EQ(patch["primaryMetric"], (json{{"name", "acc"}, {"value", 0.75}, {"step", 5}}));
  EXPECT_TRUE(patch["metrics"].contains("acc"));
  EXPECT_TRUE(patch["metrics"].contains("loss"));
}

TEST(SummaryPatchTest, NoPrimaryMetricWhenTheRunHasNotLoggedIt) {
  const auto patch =
      StatusSummarizer::SummaryPatch({{"loss", SummaryOf({{0, 1, 1.0}})}}, "acc", 10);
  EXPECT_FALSE(patch.contains("primaryMetric"));
  EXPECT_FALSE(StatusSummarizer::SummaryPatch({{"loss", SummaryOf({{0, 1, 1.0}})}}, "", 10)
                   .contains("primaryMetric"));
}

// The CRD's numbers are JSON numbers: NaN and ±Infinity are left out, the
// count and step stay.
TEST(SummaryPatchTest, NonFiniteValuesAreLeftOut) {
  const auto patch =
      StatusSummarizer::SummaryPatch({{"nan", SummaryOf({{0, 1, kNaN}, {1, 2, kNaN}})},
                                      {"inf", SummaryOf({{0, 1, 1.0}, {1, 2, kInf}})},
                                      {"primary", SummaryOf({{3, 4, -kInf}})}},
                                     "primary", 10);
  const json& m = patch["metrics"];
  EXPECT_EQ(m["nan"], (json{{"count", 2}, {"step", 1}, {"timestamp", 2}}));
  EXPECT_EQ(m["inf"], (json{{"min", 1.0}, {"count", 2}, {"step", 1}, {"timestamp", 2}}));
  EXPECT_EQ(patch["primaryMetric"], (json{{"name", "primary"}, {"step", 3}}));
  // What Kubernetes receives must be valid JSON.
  EXPECT_NO_THROW(json::parse(patch.dump()));
}

TEST(SummaryPatchTest, AtMostMaxKeysInKeyOrder) {
  std::map<std::string, store::Summary> summaries;
  for (const char* key : {"e", "d", "c", "b", "a"}) summaries[key] = SummaryOf({{0, 1, 1.0}});
  const auto patch = StatusSummarizer::SummaryPatch(summaries, "", 3);
  EXPECT_EQ(patch["metrics"].size(), 3u);
  for (const char* key : {"a", "b", "c"}) EXPECT_TRUE(patch["metrics"].contains(key)) << key;
}

// The Experiment's metric is what users sort runs by: it is never the one
// dropped for the bound.
TEST(SummaryPatchTest, PrimaryMetricIsKeptFirst) {
  std::map<std::string, store::Summary> summaries;
  for (const char* key : {"a", "b", "c", "zz_primary"}) {
    summaries[key] = SummaryOf({{0, 1, 1.0}});
  }
  const auto patch = StatusSummarizer::SummaryPatch(summaries, "zz_primary", 2);
  const json& m = patch["metrics"];
  EXPECT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.contains("zz_primary"));
  EXPECT_TRUE(m.contains("a"));
  EXPECT_EQ(patch["primaryMetric"]["name"], "zz_primary");
}

TEST(SummaryPatchTest, NoMetricsIsAnEmptyObject) {
  EXPECT_EQ(StatusSummarizer::SummaryPatch({}, "acc", 10), (json{{"metrics", json::object()}}));
}

}  // namespace
}  // namespace runledger::tracking
