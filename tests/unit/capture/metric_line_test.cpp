// The metric-line parser (capture/metric_line.h): which lines are metric
// lines, and what they hold. Lines that are not metrics must yield nothing.
#include "capture/metric_line.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace runledger::capture {
namespace {

std::vector<ParsedMetric> Parse(std::string_view line, std::string_view format = "auto") {
  auto f = ParseMetricFormat(format);
  EXPECT_TRUE(f.ok()) << f.status().message();
  auto p = MetricLineParser::Create(*f);
  EXPECT_TRUE(p.ok()) << p.status().message();
  std::vector<ParsedMetric> out;
  const bool is_metric = p->Parse(line, out);
  EXPECT_EQ(is_metric, !out.empty()) << line;
  return out;
}

ParsedMetric M(std::string key, double value, std::optional<int64_t> step = std::nullopt,
               std::optional<int64_t> ts = std::nullopt) {
  return {std::move(key), value, step, ts};
}

TEST(MetricLineTest, JsonMetricValueForm) {
  EXPECT_EQ(Parse(R"({"metric": "loss", "value": 0.3, "step": 10})"),
            std::vector{M("loss", 0.3, 10)});
  EXPECT_EQ(Parse(R"({"metric":"loss","value":1e-3,"timestamp":1700000000000})"),
            std::vector{M("loss", 1e-3, std::nullopt, 1700000000000)});
  EXPECT_EQ(Parse(R"(  {"value": -2, "metric": "a/b"}  )"), std::vector{M("a/b", -2)});
}

TEST(MetricLineTest, JsonMetricValueFormRefusesOtherFields) {
  EXPECT_TRUE(Parse(R"({"metric": "loss", "value": 0.3, "msg": "x"})").empty());
  EXPECT_TRUE(Parse(R"({"metric": "loss"})").empty());
  EXPECT_TRUE(Parse(R"({"metric": "loss", "value": "0.3"})").empty());
  EXPECT_TRUE(Parse(R"({"metric": 3, "value": 0.3})").empty());
  EXPECT_TRUE(Parse(R"({"metric": "loss", "value": 0.3, "step": 1.5})").empty());
  EXPECT_TRUE(Parse(R"({"metric": "loss", "metric": "x", "value": 0.3})").empty());
}

TEST(MetricLineTest, JsonObjectOfNumbers) {
  EXPECT_EQ(Parse(R"({"loss": 0.3, "val_auc": 0.87, "step": 10})"),
            (std::vector{M("loss", 0.3, 10), M("val_auc", 0.87, 10)}));
  EXPECT_EQ(Parse(R"({"loss":0.25})"), std::vector{M("loss", 0.25)});
}

TEST(MetricLineTest, EpochIsAMetricAndTheStepWithoutStep) {
  EXPECT_EQ(Parse(R"({"epoch": 3, "loss": 0.3})"),
            (std::vector{M("epoch", 3, 3), M("loss", 0.3, 3)}));
  EXPECT_EQ(Parse(R"({"epoch": 3, "loss": 0.3, "step": 7})"),
            (std::vector{M("epoch", 3, 7), M("loss", 0.3, 7)}));
  EXPECT_EQ(Parse(R"({"epoch": 2.5, "loss": 0.3})"),
            (std::vector{M("epoch", 2.5), M("loss", 0.3)}));
}

TEST(MetricLineTest, JsonWithANonNumericFieldIsNotAMetricLine) {
  for (const char* line : {
           R"({"loss": 0.3, "phase": "train"})",
           R"({"loss": 0.3, "ok": true})",
           R"({"loss": null})",
           R"({"loss": [0.3]})",
           R"({"loss": {"v": 0.3}})",
           R"({"step": 10})",
           R"({})",
           R"({"loss": 0.3, "loss": 0.4})",
           R"({"loss": 0.3} trailing)",
           R"({"loss": 0.3)",
           R"({"loss": 0.3,})",
           R"({'loss': 0.3})",
           R"({"loss": 01})",
           R"({"loss": .5})",
           R"({"loss": 1.})",
           R"({"loss": +1})",
           R"({"loss": 1e400})",
           R"({"loss": nan})",
           R"({"step": 99999999999999999999, "loss": 1})",
           R"({"level": "info", "msg": "step=3 loss=0.2"})",
       }) {
    EXPECT_TRUE(Parse(line).empty()) << line;
  }
}

TEST(MetricLineTest, JsonStringsAndEscapes) {
  EXPECT_EQ(Parse(R"({"metric": "val\/loss", "value": 1})"), std::vector{M("val/loss", 1)});
  EXPECT_EQ(Parse(R"({"a\u0062c": 1})"), std::vector{M("abc", 1)});
  EXPECT_TRUE(Parse(R"({"l\u00e9": 1})").empty());  // not an MLflow key
  EXPECT_TRUE(Parse(R"({"a\ud800": 1})").empty());  // lone surrogate
  EXPECT_TRUE(Parse("{\"a\tb\": 1}").empty());      // raw control byte
  EXPECT_TRUE(Parse(R"({"a\q": 1})").empty());
}

TEST(MetricLineTest, NanAndInfinities) {
  for (const char* line :
       {R"({"a": NaN})", R"({"metric": "a", "value": "NaN"})", "a=nan", "a=NaN", "a=NAN"}) {
    auto m = Parse(line);
    ASSERT_EQ(m.size(), 1u) << line;
    EXPECT_TRUE(std::isnan(m[0].value)) << line;
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Parse(R"({"a": Infinity, "b": -Infinity})"),
            (std::vector{M("a", kInf), M("b", -kInf)}));
  EXPECT_EQ(Parse(R"({"a": "Infinity", "b": "-Infinity"})"),
            (std::vector{M("a", kInf), M("b", -kInf)}));
  EXPECT_EQ(Parse("a=inf b=-inf c=Infinity d=+inf"),
            (std::vector{M("a", kInf), M("b", -kInf), M("c", kInf), M("d", kInf)}));
  EXPECT_TRUE(Parse(R"({"a": "nan"})").empty());  // only MLflow's spelling as a JSON string
  EXPECT_TRUE(Parse(R"({"a": infinity})").empty());
}

TEST(MetricLineTest, KeyValueLines) {
  EXPECT_EQ(Parse("epoch=3 loss=0.31 val_auc=0.87"),
            (std::vector{M("epoch", 3, 3), M("loss", 0.31, 3), M("val_auc", 0.87, 3)}));
  EXPECT_EQ(Parse("loss=1.5e-2\tstep=4\r"), std::vector{M("loss", 1.5e-2, 4)});
  EXPECT_EQ(Parse("  lr=.001 acc=5. n=-3 "), (std::vector{M("lr", .001), M("acc", 5), M("n", -3)}));
  EXPECT_EQ(Parse("train/loss=0.1 timestamp=1700000000000"),
            std::vector{M("train/loss", 0.1, std::nullopt, 1700000000000)});
}

TEST(MetricLineTest, ProseWithEqualsIsNotAMetricLine) {
  for (const char* line : {
           "set lr=0.1 for this run",
           "lr = 0.1",
           "loss=0.3,acc=0.9",
           "a=b",
           "x==1",
           "=1",
           "--lr=0.1",
           "1=1",
           "url=http://x?a=1",
           "loss=0.3 step=1.5",
           "loss=0x10",
           "loss=1e",
           "loss=",
           "step=3",
           "",
           "   ",
           "Epoch 3/10",
           "loss: 0.3",
           "a=1 a=2",
           "a//b=1",
       }) {
    EXPECT_TRUE(Parse(line).empty()) << line;
  }
}

TEST(MetricLineTest, FormatsRestrictWhatIsRead) {
  EXPECT_TRUE(Parse(R"({"a": 1})", "keyvalue").empty());
  EXPECT_TRUE(Parse("a=1", "json").empty());
  EXPECT_EQ(Parse(R"({"a": 1})", "json"), std::vector{M("a", 1)});
  EXPECT_EQ(Parse("a=1", "keyvalue"), std::vector{M("a", 1)});
  EXPECT_TRUE(Parse("a=1", "none").empty());
  EXPECT_TRUE(Parse(R"({"a": 1})", "none").empty());
}

TEST(MetricLineTest, RegexFormat) {
  const std::string f = R"(regex:([a-z_]+): ([-0-9.e]+) @ (\d+))";
  EXPECT_EQ(Parse("Epoch 3 loss: 0.25 @ 30, acc: 0.9 @ 30", f),
            (std::vector{M("loss", 0.25, 30), M("acc", 0.9, 30)}));
  EXPECT_TRUE(Parse("loss: abc @ 3", f).empty());
  EXPECT_EQ(Parse("loss=0.5", R"(regex:(\w+)=(\S+))"), std::vector{M("loss", 0.5)});
  EXPECT_TRUE(
      Parse(std::string(kMaxRegexLine + 1, 'a') + " loss=0.5", R"(regex:(\w+)=(\S+))").empty());
}

TEST(MetricLineTest, BadFormatsAreRefused) {
  EXPECT_FALSE(ParseMetricFormat("yaml").ok());
  EXPECT_FALSE(ParseMetricFormat("regex:").ok());
  EXPECT_FALSE(MetricLineParser::Create(*ParseMetricFormat("regex:(a")).ok());
  EXPECT_FALSE(MetricLineParser::Create(*ParseMetricFormat("regex:(a)=b")).ok());
}

TEST(MetricLineTest, MetricKeys) {
  for (const char* k : {"loss", "val/loss", "a b", "a-b.c_d", "x/y/z", "a.."}) {
    EXPECT_TRUE(IsValidMetricKey(k)) << k;
  }
  for (const char* k :
       {"", "/a", "a/", "a//b", "..a", "a/./b", "a/../b", ".", "a:b", "a\"b", "a\\b", "é"}) {
    EXPECT_FALSE(IsValidMetricKey(k)) << k;
  }
  EXPECT_TRUE(IsValidMetricKey(std::string(250, 'k')));
  EXPECT_FALSE(IsValidMetricKey(std::string(251, 'k')));
}

}  // namespace
}  // namespace runledger::capture
