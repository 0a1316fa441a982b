#include "metrics/text_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace runledger::metrics {
namespace {

TEST(TextFormat, WholeNumbersAreWrittenAsIntegers) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(1500000), "1500000");
  EXPECT_EQ(FormatValue(-3), "-3");
}

TEST(TextFormat, FractionsUseTheShortestRoundTripForm) {
  EXPECT_EQ(FormatValue(0.005), "0.005");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatValue(1e300), "1e+300");
}

TEST(TextFormat, SpecialValuesUsePrometheusSpelling) {
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(TextFormat, LabelValueEscapesBackslashQuoteAndNewline) {
  std::string out;
  AppendEscapedLabelValue(&out, "a\\b\"c\nd");
  EXPECT_EQ(out, "a\\\\b\\\"c\\nd");
}

TEST(TextFormat, HelpEscapesBackslashAndNewlineButNotQuotes) {
  std::string out;
  AppendEscapedHelp(&out, "say \"hi\"\\\n");
  EXPECT_EQ(out, "say \"hi\"\\\\\\n");
}

TEST(TextFormat, SampleWithLabelsAndExtraLabel) {
  std::string out;
  AppendSample(&out, "x_bucket", {"a", "b"}, {"1", "2"}, "le", "0.5", 7);
  EXPECT_EQ(out, "x_bucket{a=\"1\",b=\"2\",le=\"0.5\"} 7\n");
}

TEST(TextFormat, SampleWithoutLabelsHasNoBraces) {
  std::string out;
  AppendSample(&out, "up", {}, {}, {}, {}, 1);
  EXPECT_EQ(out, "up 1\n");
}

TEST(TextFormat, MetricNameRules) {
  EXPECT_TRUE(IsValidMetricName("workqueue_depth"));
  EXPECT_TRUE(IsValidMetricName("job:rate5m"));
  EXPECT_FALSE(IsValidMetricName("9lives"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidMetricName(""));
}

TEST(TextFormat, LabelNameRulesReserveDoubleUnderscore) {
  EXPECT_TRUE(IsValidLabelName("controller"));
  EXPECT_FALSE(IsValidLabelName("__name__"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("1a"));
}

}  // namespace
}  // namespace runledger::metrics
