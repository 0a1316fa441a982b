#include "tracking/ingest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "expect_error.h"

namespace runledger::tracking {
namespace {

// A log-batch body of `n` metrics (step i, value i/2), then `tail` inside
// the object (e.g. ",\"params\":[...]").
std::string BatchOf(size_t n, std::string_view tail = "") {
  std::string body = R"({"run_id":"r1","metrics":[)";
  for (size_t i = 0; i < n; ++i) {
    if (i) body += ',';
    body += R"({"key":"m","value":)" + std::to_string(i * 0.5) + R"(,"timestamp":)" +
            std::to_string(1700000000000 + i) + R"(,"step":)" + std::to_string(i) + "}";
  }
  body += "]";
  body += tail;
  body += "}";
  return body;
}

std::string KeyValues(std::string_view name, size_t n) {
  std::string out = ",\"" + std::string(name) + "\":[";
  for (size_t i = 0; i < n; ++i) {
    if (i) out += ',';
    out += R"({"key":"k)" + std::to_string(i) + R"(","value":"v"})";
  }
  return out + "]";
}

TEST(ParseLogBatchTest, ReadsWhatThePythonClientSends) {
  const auto batch = ParseLogBatch(R"({
    "run_id": "0123456789abcdef",
    "metrics": [{"key": "loss", "value": 0.5, "timestamp": 1700000000123, "step": 3},
                {"key": "acc", "value": 1, "timestamp": 1700000000124, "step": 4}],
    "params": [{"key": "lr", "value": "0.01"}],
    "tags": [{"key": "mlflow.runName", "value": "owl"}]})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->run_id, "0123456789abcdef");
  ASSERT_EQ(batch->metrics.size(), 2u);
  EXPECT_EQ(batch->metrics[0], (store::Point{"loss", 0.5, 1700000000123, 3}));
  EXPECT_EQ(batch->metrics[1], (store::Point{"acc", 1.0, 1700000000124, 4}));
  EXPECT_EQ(batch->params, (std::vector<KeyValue>{{"lr", "0.01"}}));
  EXPECT_EQ(batch->tags, (std::vector<KeyValue>{{"mlflow.runName", "owl"}}));
}

TEST(ParseLogBatchTest, StepDefaultsToZero) {
  const auto batch =
      ParseLogBatch(R"({"run_id":"r","metrics":[{"key":"m","value":1,"timestamp":5}]})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->metrics.at(0).step, 0);
}

TEST(ParseLogBatchTest, NonFiniteValuesAsProtobufStrings) {
  const auto batch = ParseLogBatch(R"({"run_id":"r","metrics":[
      {"key":"a","value":"NaN","timestamp":1},
      {"key":"b","value":"Infinity","timestamp":1},
      {"key":"c","value":"-Infinity","timestamp":1}]})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_TRUE(std::isnan(batch->metrics.at(0).value));
  EXPECT_EQ(batch->metrics.at(1).value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(batch->metrics.at(2).value, -std::numeric_limits<double>::infinity());
}

// protobuf's JSON form allows int64s as strings and numbers as strings.
TEST(ParseLogBatchTest, NumbersAsStrings) {
  const auto batch = ParseLogBatch(
      R"({"run_id":"r","metrics":[{"key":"a","value":"1.25","timestamp":"1700000000123","step":"-7"}]})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->metrics.at(0), (store::Point{"a", 1.25, 1700000000123, -7}));
}

TEST(ParseLogBatchTest, WholeDoubleTimestampIsAnInteger) {
  const auto batch = ParseLogBatch(
      R"({"run_id":"r","metrics":[{"key":"a","value":1,"timestamp":1.7e12,"step":2.0}]})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->metrics.at(0).timestamp_ms, 1700000000000);
  EXPECT_EQ(batch->metrics.at(0).step, 2);
}

TEST(ParseLogBatchTest, Int64ExtremesOfStep) {
  const auto batch = ParseLogBatch(
      R"({"run_id":"r","metrics":[{"key":"a","value":1,"timestamp":0,"step":9223372036854775807},
                                  {"key":"a","value":1,"timestamp":0,"step":"-9223372036854775808"}]})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->metrics.at(0).step, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(batch->metrics.at(1).step, std::numeric_limits<int64_t>::min());
}

TEST(ParseLogBatchTest, FractionalOrOutOfRangeStepIsRefused) {
  for (const char* step : {"1.5", "1e19", "9223372036854775808", "\"1.5\"", "\"x\"", "true"}) {
    const std::string body =
        std::string(R"({"run_id":"r","metrics":[{"key":"a","value":1,"timestamp":0,"step":)") +
        step + "}]}";
    const std::string m = ErrorOf(ParseLogBatch(body));
    EXPECT_TRUE(Contains(m, "'metrics[0].step'")) << step << ": " << m;
  }
}

TEST(ParseLogBatchTest, RunUuidIsTheOldNameOfRunId) {
  const auto batch = ParseLogBatch(R"({"run_uuid":"old","metrics":[]})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->run_id, "old");
}

TEST(ParseLogBatchTest, RunIdWinsOverRunUuidInEitherOrder) {
  EXPECT_EQ(ParseLogBatch(R"({"run_uuid":"old","run_id":"new"})")->run_id, "new");
  EXPECT_EQ(ParseLogBatch(R"({"run_id":"new","run_uuid":"old"})")->run_id, "new");
}

TEST(ParseLogBatchTest, UnknownFieldsAreIgnored) {
  const auto batch = ParseLogBatch(R"({"run_id":"r","model_id":"m-1","extra":{"a":[1,{"b":2}]},
      "metrics":[{"key":"a","value":1,"timestamp":0,"dataset_name":"d","model_id":null}]})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->metrics.size(), 1u);
}

TEST(ParseLogBatchTest, EmptyBatchIsFine) {
  const auto batch = ParseLogBatch(R"({"run_id":"r"})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_TRUE(batch->metrics.empty());
  EXPECT_TRUE(batch->params.empty());
  EXPECT_TRUE(batch->tags.empty());
}

TEST(ParseLogBatchTest, MissingRunId) {
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(R"({"metrics":[]})")), "'run_id'"));
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(R"({"run_id":""})")), "'run_id'"));
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(R"({"run_id":null})")), "'run_id'"));
}

TEST(ParseLogBatchTest, RunIdOfTheWrongType) {
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(R"({"run_id":7})")), "'run_id': expected a string"));
}

TEST(ParseLogBatchTest, MissingMetricFieldsNameTheElement) {
  EXPECT_TRUE(Contains(
      ErrorOf(ParseLogBatch(R"({"run_id":"r","metrics":[{"key":"a","value":1,"timestamp":0},
                                                     {"value":1,"timestamp":0}]})")),
      "Missing value for required parameter 'metrics[1].key'"));
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogBatch(R"({"run_id":"r","metrics":[{"key":"a","timestamp":0}]})")),
               "'metrics[0].value'"));
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogBatch(R"({"run_id":"r","metrics":[{"key":"a","value":1}]})")),
               "'metrics[0].timestamp'"));
}

TEST(ParseLogBatchTest, MistypedMetricFieldsNameTheElement) {
  struct Case {
    const char* metric;
    const char* field;
  };
  for (const Case& c :
       {Case{R"({"key":1,"value":1,"timestamp":0})", "'metrics[0].key'"},
        Case{R"({"key":"a","value":"high","timestamp":0})", "'metrics[0].value'"},
        Case{R"({"key":"a","value":true,"timestamp":0})", "'metrics[0].value'"},
        Case{R"({"key":"a","value":null,"timestamp":0})", "'metrics[0].value'"},
        Case{R"({"key":"a","value":[1],"timestamp":0})", "'metrics[0].value'"},
        Case{R"({"key":"a","value":1,"timestamp":"now"})", "'metrics[0].timestamp'"},
        Case{R"({"key":"a","value":1,"timestamp":{}})", "'metrics[0].timestamp'"}}) {
    const std::string m =
        ErrorOf(ParseLogBatch(std::string(R"({"run_id":"r","metrics":[)") + c.metric + "]}"));
    EXPECT_TRUE(Contains(m, c.field)) << c.metric << ": " << m;
  }
}

TEST(ParseLogBatchTest, ListsOfTheWrongShape) {
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(R"({"run_id":"r","metrics":{}})")), "'metrics'"));
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(R"({"run_id":"r","metrics":[1]})")), "'metrics'"));
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(R"({"run_id":"r","params":"lr=1"})")), "'params'"));
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(R"({"run_id":"r","tags":["a"]})")), "'tags'"));
}

TEST(ParseLogBatchTest, ParamsAndTagsNeedStringKeysAndValues) {
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(R"({"run_id":"r","params":[{"key":"lr"}]})")),
                       "'params[0].value'"));
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(R"({"run_id":"r","params":[{"value":"1"}]})")),
                       "'params[0].key'"));
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogBatch(R"({"run_id":"r","params":[{"key":"lr","value":0.01}]})")),
               "'params[0].value'"));
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogBatch(
                   R"({"run_id":"r","tags":[{"key":"a","value":"1"},{"key":2,"value":"x"}]})")),
               "'tags[1].key'"));
}

TEST(ParseLogBatchTest, EmptyParamValueIsAValue) {
  const auto batch = ParseLogBatch(R"({"run_id":"r","params":[{"key":"lr","value":""}]})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->params, (std::vector<KeyValue>{{"lr", ""}}));
}

TEST(ParseLogBatchTest, BadKeysAreRefused) {
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(
                           R"({"run_id":"r","metrics":[{"key":"a//b","value":1,"timestamp":0}]})")),
                       "Invalid metric name: 'a//b'"));
  EXPECT_TRUE(Contains(
      ErrorOf(ParseLogBatch(R"({"run_id":"r","params":[{"key":"../x","value":"1"}]})")), "'../x'"));
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogBatch(R"({"run_id":"r","tags":[{"key":"a!","value":"1"}]})")),
               "Invalid tag name: 'a!'"));
}

TEST(ParseLogBatchTest, ValueLimitsAreChecked) {
  const std::string long_value(kMaxParamValueLength + 1, 'v');
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(R"({"run_id":"r","params":[{"key":"p","value":")" +
                                             long_value + "\"}]}")),
                       "6001"));
}

TEST(ParseLogBatchTest, EscapedStringsAreUnescaped) {
  const auto batch = ParseLogBatch(
      R"({"run_id":"r\u0031","metrics":[{"key":"a\/b","value":1,"timestamp":0}],
          "tags":[{"key":"note","value":"line\nnext \"q\" \u00e9"}]})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->run_id, "r1");
  EXPECT_EQ(batch->metrics.at(0).key, "a/b");
  EXPECT_EQ(batch->tags.at(0).second, "line\nnext \"q\" \xc3\xa9");
}

TEST(ParseLogBatchTest, ThousandMetricsIsTheLimit) {
  const auto batch = ParseLogBatch(BatchOf(kMaxBatchMetrics));
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->metrics.size(), kMaxBatchMetrics);
  EXPECT_EQ(batch->metrics.back(), (store::Point{"m", 499.5, 1700000000999, 999}));
}

TEST(ParseLogBatchTest, OverThousandMetricsIsRefused) {
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogBatch(BatchOf(kMaxBatchMetrics + 1))), "at most 1000 metrics"));
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(BatchOf(5000))), "Got 5000 metrics"))
      << "the real count";
}

// The parser stops reading metrics past the limit; fields after the list
// must still be read (run_id may come last).
TEST(ParseLogBatchTest, OverLimitWithRunIdLastStillNamesTheLimit) {
  std::string body = BatchOf(kMaxBatchMetrics + 5);
  body.replace(body.find(R"("run_id":"r1",)"), 14, "");
  body.insert(body.size() - 1, R"(,"run_id":"r1")");
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(body)), "at most 1000 metrics"));
}

TEST(ParseLogBatchTest, ParamAndTagLimits) {
  EXPECT_TRUE(ParseLogBatch(BatchOf(0, KeyValues("params", 100) + KeyValues("tags", 100))).ok());
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogBatch(BatchOf(0, KeyValues("params", 101)))), "at most 100 params"));
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogBatch(BatchOf(0, KeyValues("tags", 101)))), "at most 100 tags"));
}

TEST(ParseLogBatchTest, ThousandEntitiesInTotal) {
  EXPECT_TRUE(ParseLogBatch(BatchOf(900, KeyValues("params", 100))).ok());
  EXPECT_TRUE(Contains(ErrorOf(ParseLogBatch(BatchOf(1000, KeyValues("tags", 1)))), "in total"));
}

TEST(ParseLogBatchTest, NotJsonIsAClearError) {
  for (const char* body : {"", " ", "not json", "{", "[]", "null", "42", "\"run\"",
                           R"({"run_id":"r",})", R"({"run_id" "r"})"}) {
    const std::string m = ErrorOf(ParseLogBatch(body));
    EXPECT_FALSE(m.empty()) << body;
  }
}

// Python's json.dumps writes bare NaN; MLflow's client sends the string.
TEST(ParseLogBatchTest, BareNaNTokenIsRefused) {
  EXPECT_FALSE(
      ParseLogBatch(R"({"run_id":"r","metrics":[{"key":"a","value":NaN,"timestamp":0}]})").ok());
}

// A body cut off mid-send is refused, never read as a smaller batch.
TEST(ParseLogBatchTest, EveryTruncationIsHandled) {
  const std::string body =
      R"({"run_id":"r","metrics":[{"key":"a","value":"NaN","timestamp":1,"step":2}],"params":[{"key":"p","value":"v"}],"tags":[]})";
  ASSERT_TRUE(ParseLogBatch(body).ok());
  for (size_t n = 0; n < body.size(); ++n) {
    const auto r = ParseLogBatch(body.substr(0, n));
    ASSERT_FALSE(r.ok()) << body.substr(0, n);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << body.substr(0, n);
  }
}

TEST(ParseLogBatchTest, TrailingContentAfterTheObjectIsRefused) {
  for (const char* body : {R"({"run_id":"r"} x)", R"({"run_id":"r"}])"}) {
    EXPECT_FALSE(ParseLogBatch(body).ok()) << body;
  }
}

// MLflow's server refuses a body of two JSON documents ("Extra data").
TEST(ParseLogBatchTest, SecondDocumentAfterTheObjectIsRefused) {
  EXPECT_FALSE(ParseLogBatch(R"({"run_id":"r"}{"run_id":"s"})").ok());
  EXPECT_FALSE(ParseLogBatch(R"({"run_id":"r"} 1)").ok());
  EXPECT_TRUE(ParseLogBatch("{\"run_id\":\"r\"} \r\n").ok()) << "trailing blanks are fine";
  EXPECT_FALSE(ParseLogMetric(R"({"run_id":"r","key":"a","value":1,"timestamp":0}{})").ok());
}

TEST(ParseLogMetricTest, ReadsOnePoint) {
  const auto batch = ParseLogMetric(
      R"({"run_id":"r","key":"loss","value":0.25,"timestamp":1700000000123,"step":9})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->run_id, "r");
  ASSERT_EQ(batch->metrics.size(), 1u);
  EXPECT_EQ(batch->metrics[0], (store::Point{"loss", 0.25, 1700000000123, 9}));
  EXPECT_TRUE(batch->params.empty());
  EXPECT_TRUE(batch->tags.empty());
}

TEST(ParseLogMetricTest, StepDefaultsToZeroAndNaNIsAString) {
  const auto batch =
      ParseLogMetric(R"({"run_uuid":"r","key":"loss","value":"NaN","timestamp":"12"})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->run_id, "r");
  EXPECT_EQ(batch->metrics.at(0).step, 0);
  EXPECT_EQ(batch->metrics.at(0).timestamp_ms, 12);
  EXPECT_TRUE(std::isnan(batch->metrics.at(0).value));
}

TEST(ParseLogMetricTest, FieldOrderDoesNotMatter) {
  const auto batch = ParseLogMetric(R"({"step":1,"timestamp":2,"value":3,"key":"k","run_id":"r"})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->metrics.at(0), (store::Point{"k", 3, 2, 1}));
}

// In log-metric the fields are top-level: messages name them without a prefix.
TEST(ParseLogMetricTest, MissingFieldsAreNamed) {
  EXPECT_TRUE(Contains(ErrorOf(ParseLogMetric(R"({"run_id":"r","value":1,"timestamp":0})")),
                       "Missing value for required parameter 'key'"));
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogMetric(R"({"run_id":"r","key":"a","timestamp":0})")), "'value'"));
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogMetric(R"({"run_id":"r","key":"a","value":1})")), "'timestamp'"));
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogMetric(R"({"key":"a","value":1,"timestamp":0})")), "'run_id'"));
}

TEST(ParseLogMetricTest, WrongTypesAreNamed) {
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogMetric(R"({"run_id":"r","key":"a","value":"x","timestamp":0})")),
               "Invalid value for parameter 'value': expected a number"));
  EXPECT_TRUE(Contains(
      ErrorOf(ParseLogMetric(R"({"run_id":"r","key":"a","value":1,"timestamp":0,"step":"s"})")),
      "'step': expected an integer"));
}

TEST(ParseLogMetricTest, BadKeyIsRefused) {
  EXPECT_TRUE(
      Contains(ErrorOf(ParseLogMetric(R"({"run_id":"r","key":"/abs","value":1,"timestamp":0})")),
               "Invalid metric name: '/abs'"));
  EXPECT_TRUE(Contains(
      ErrorOf(ParseLogMetric(R"({"run_id":"r","key":")" + std::string(kMaxKeyLength + 1, 'k') +
                             R"(","value":1,"timestamp":0})")),
      "250"));
}

TEST(ParseLogMetricTest, NotJsonIsAClearError) {
  for (const char* body : {"", "{}", "[", R"({"run_id":"r","key":"a","value":1,"timestamp":0)"}) {
    EXPECT_FALSE(ErrorOf(ParseLogMetric(body)).empty()) << body;
  }
}

}  // namespace
}  // namespace runledger::tracking
