#include "tracking/search/run_query.h"

#include <gtest/gtest.h>

#include <cmath>

#include "search_test_util.h"

namespace runledger::tracking::search {
namespace {

using testing::MakeRun;
using testing::MetricTable;

// One run with a little of everything; row 0 of `metrics`.
class RunQueryTest : public ::testing::Test {
 protected:
  RunQueryTest() {
    run_ = MakeRun("0123456789abcdef0123456789abcdef", 1700000000000);
    run_.run_name = "brave-fox-7";
    run_.user_id = "alice";
    run_.status = kFinished;
    run_.end_time_ms = 1700000100000;
    run_.artifact_uri = "mlflow-artifacts:/0/0123/artifacts";
    run_.params = {{"lr", "0.01"}, {"optimizer", "Adam"}};
    run_.tags = {{"mlflow.parentRunId", "abc"}, {"team", "vision"}};
    metrics_.Set(0, "loss", 0.25);
    metrics_.Set(0, "acc", 0.9);
    metrics_.Set(0, "bad", std::nan(""));
  }

  // Whether `filter` compiles and matches run_.
  bool Match(const std::string& filter) {
    const auto q = RunQuery::Compile(filter, {});
    EXPECT_TRUE(q.ok()) << filter << ": " << q.status().ToString();
    return q.ok() && q->Matches(run_, 0, metrics_);
  }
  std::string Error(const std::string& filter) {
    const auto q = RunQuery::Compile(filter, {});
    EXPECT_FALSE(q.ok()) << filter;
    if (q.ok()) return "";
    EXPECT_EQ(q.status().code(), Code::kInvalidArgument);
    return q.status().message();
  }

  RunRecord run_;
  MetricTable metrics_;
};

TEST_F(RunQueryTest, EmptyFilterMatchesEveryRun) { EXPECT_TRUE(Match("")); }

TEST_F(RunQueryTest, EveryMetricComparator) {
  EXPECT_TRUE(Match("metrics.loss = 0.25"));
  EXPECT_FALSE(Match("metrics.loss = 0.5"));
  EXPECT_TRUE(Match("metrics.loss != 0.5"));
  EXPECT_FALSE(Match("metrics.loss != 0.25"));
  EXPECT_TRUE(Match("metrics.loss < 0.3"));
  EXPECT_FALSE(Match("metrics.loss < 0.25"));
  EXPECT_TRUE(Match("metrics.loss <= 0.25"));
  EXPECT_FALSE(Match("metrics.loss <= 0.2"));
  EXPECT_TRUE(Match("metrics.loss > -1"));
  EXPECT_FALSE(Match("metrics.loss > 0.25"));
  EXPECT_TRUE(Match("metric.loss >= 0.25"));
  EXPECT_FALSE(Match("metric.loss >= 2.5e-1 AND metrics.acc > 0.95"));
}

TEST_F(RunQueryTest, MissingMetricParamOrTagNeverMatches) {
  // Not even with != (MLflow joins on the key first).
  EXPECT_FALSE(Match("metrics.missing != 1"));
  EXPECT_FALSE(Match("params.missing != 'x'"));
  EXPECT_FALSE(Match("tags.missing != 'x'"));
  EXPECT_FALSE(Match("tags.missing LIKE '%'"));
}

TEST_F(RunQueryTest, NanMetricMatchesOnlyNotEqual) {
  EXPECT_TRUE(Match("metrics.bad != 0"));
  EXPECT_FALSE(Match("metrics.bad = 0"));
  EXPECT_FALSE(Match("metrics.bad < 0"));
  EXPECT_FALSE(Match("metrics.bad >= 0"));
}

TEST_F(RunQueryTest, EveryParamComparatorAndAlias) {
  EXPECT_TRUE(Match("params.lr = '0.01'"));
  EXPECT_TRUE(Match("param.lr != '0.1'"));
  EXPECT_TRUE(Match("parameters.optimizer LIKE 'Ad%'"));
  EXPECT_FALSE(Match("parameter.optimizer LIKE 'ad%'"));
  EXPECT_TRUE(Match("params.optimizer ILIKE 'ad%'"));
  EXPECT_TRUE(Match("params.lr = \"0.01\""));
}

TEST_F(RunQueryTest, EveryTagComparator) {
  EXPECT_TRUE(Match("tags.`mlflow.parentRunId` = 'abc'"));
  EXPECT_TRUE(Match("tag.\"mlflow.parentRunId\" != 'abd'"));
  EXPECT_TRUE(Match("tags.team LIKE '%sio%'"));
  EXPECT_TRUE(Match("tags.team ILIKE 'VISION'"));
  EXPECT_FALSE(Match("tags.team LIKE 'VISION'"));
}

TEST_F(RunQueryTest, StringAttributes) {
  EXPECT_TRUE(Match("attributes.status = 'FINISHED'"));
  EXPECT_TRUE(Match("attribute.user_id != 'bob'"));
  EXPECT_TRUE(Match("attr.run_name LIKE 'brave-%'"));
  EXPECT_TRUE(Match("run.artifact_uri ILIKE 'MLFLOW-ARTIFACTS:%'"));
  EXPECT_TRUE(Match("status = 'FINISHED'"));  // A bare key is an attribute.
  EXPECT_TRUE(Match("attributes.`Run name` = 'brave-fox-7'"));
  EXPECT_TRUE(Match("\"run name\" = 'brave-fox-7'"));
  EXPECT_TRUE(Match("attributes.run_id = '0123456789abcdef0123456789abcdef'"));
}

TEST_F(RunQueryTest, RunIdInLists) {
  EXPECT_TRUE(Match("attributes.run_id IN ('x', '0123456789abcdef0123456789abcdef')"));
  EXPECT_FALSE(Match("attributes.run_id IN ('x', 'y')"));
  EXPECT_TRUE(Match("attributes.run_id NOT IN ('x', 'y')"));
  EXPECT_FALSE(Match("run_id NOT IN ('0123456789abcdef0123456789abcdef')"));
}

TEST_F(RunQueryTest, NumericAttributesAndCreatedAlias) {
  EXPECT_TRUE(Match("attributes.start_time = 1700000000000"));
  EXPECT_TRUE(Match("attributes.created >= 1700000000000"));
  EXPECT_TRUE(Match("Created < 1700000000001"));
  EXPECT_TRUE(Match("attributes.end_time > 1700000000000"));
  EXPECT_FALSE(Match("attributes.end_time != 0 AND attributes.start_time > 1700000000000"));
}

TEST_F(RunQueryTest, RunningRunHasNoEndTime) {
  run_.end_time_ms.reset();
  EXPECT_FALSE(Match("attributes.end_time > 0"));
  EXPECT_FALSE(Match("attributes.end_time != 0"));
}

TEST_F(RunQueryTest, DatasetClausesMatchNoRunWithoutInputs) {
  EXPECT_FALSE(Match("datasets.name = 'train'"));
  EXPECT_FALSE(Match("dataset.digest NOT IN ('a')"));
}

TEST_F(RunQueryTest, MetricKeysAreListedOnceEach) {
  const std::string order[] = {"metrics.acc DESC"};
  const auto q =
      RunQuery::Compile("metrics.loss < 1 AND metrics.acc > 0 AND metrics.loss > 0", order);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->metric_keys(), (std::vector<std::string>{"loss", "acc"}));
}

TEST_F(RunQueryTest, SlotsMatchMetricKeys) {
  const auto q = RunQuery::Compile("metrics.b > 1 AND metrics.a > 1", {});
  ASSERT_TRUE(q.ok());
  // A lookup that only knows slots: b is slot 0, a is slot 1.
  MetricLookupFn by_slot([](size_t, size_t slot, std::string_view) -> std::optional<double> {
    return slot == 0 ? 2.0 : 0.5;
  });
  EXPECT_FALSE(q->Matches(run_, 0, by_slot));
  MetricLookupFn both([](size_t, size_t, std::string_view) -> std::optional<double> { return 2; });
  EXPECT_TRUE(q->Matches(run_, 0, both));
}

struct BadQuery {
  const char* filter;
  const char* message;
};

TEST_F(RunQueryTest, InvalidClausesSayWhy) {
  const BadQuery cases[] = {
      {"metricz.loss > 1",
       "at character 1: invalid entity type 'metricz'; valid values are metric, parameter, tag, "
       "attribute and dataset (or metrics, params, param, parameters, tags, attributes, attr, "
       "run, datasets)"},
      {"METRICS.loss > 1",
       "at character 1: invalid entity type 'METRICS'; valid values are metric, "
       "parameter, tag, attribute and dataset (or metrics, params, param, "
       "parameters, tags, attributes, attr, run, datasets)"},
      {"attributes.lifecycle_stage = 'active'",
       "at character 12: invalid attribute key 'lifecycle_stage'; valid keys are 'artifact_uri', "
       "'created', 'Created', 'end_time', 'run_id', 'run_name', 'run name', 'Run name', "
       "'Run Name', 'start_time', 'status', 'user_id'"},
      {"metrics.loss LIKE '1'",
       "at character 14: comparator 'LIKE' is not valid for metric 'loss'; use one of =, !=, <, "
       "<=, >, >="},
      {"metrics.loss = '1'",
       "at character 16: expected a number for metric 'loss', got the string '1'"},
      {"params.lr > '1'",
       "at character 11: comparator '>' is not valid for param 'lr'; use one of =, !=, LIKE, "
       "ILIKE"},
      {"params.lr = 0.1",
       "at character 13: expected a quoted string for param 'lr' (e.g. 'my-value'), got 0.1"},
      {"tags.x IN ('a')",
       "at character 8: comparator 'IN' is not valid for tag 'x'; use one of =, !=, LIKE, ILIKE"},
      {"attributes.status IN ('FINISHED')",
       "at character 19: only the 'run_id' attribute supports IN and NOT IN with a list of quoted "
       "strings, not attribute 'status'"},
      {"attributes.status < 'A'",
       "at character 19: comparator '<' is not valid for attribute 'status'; use one of =, !=, "
       "LIKE, ILIKE, IN, NOT IN"},
      {"attributes.start_time LIKE '1%'",
       "at character 23: comparator 'LIKE' is not valid for attribute 'start_time'; use one of =, "
       "!=, <, <=, >, >="},
      {"attributes.start_time > '1'",
       "at character 25: expected a number for attribute 'start_time', got the string '1'"},
      {"datasets.size = 'x'",
       "at character 10: invalid dataset key 'size'; valid keys are 'name', 'digest', 'context'"},
      {"params.p LIKE 'abc\\'",
       "at character 15: LIKE pattern 'abc\\' must not end with the escape character '\\'"},
  };
  for (const BadQuery& c : cases) EXPECT_EQ(Error(c.filter), c.message) << c.filter;
}

TEST_F(RunQueryTest, InvalidOrderByNamesTheClause) {
  const auto error = [](std::vector<std::string> order) {
    const auto q = RunQuery::Compile("", order);
    EXPECT_FALSE(q.ok());
    return q.ok() ? "" : q.status().message();
  };
  EXPECT_EQ(error({"metrics.loss", "attributes.foo"}),
            "order_by[1] 'attributes.foo': at character 12: invalid attribute key 'foo' for "
            "order_by; valid keys are 'artifact_uri', 'created', 'Created', 'end_time', 'run_id', "
            "'run_name', 'start_time', 'status', 'user_id'");
  EXPECT_EQ(error({"attributes.`Run name`"}).substr(0, 56),
            "order_by[0] 'attributes.`Run name`': at character 12: in");
  EXPECT_EQ(error({"metrics.loss DESC", "metrics.loss"}),
            "order_by[1] 'metrics.loss': at character 1: order_by names metrics.loss twice");
  EXPECT_EQ(error({"start_time", "attributes.created DESC"}),
            "order_by[1] 'attributes.created DESC': at character 1: order_by names "
            "attributes.created twice");
  EXPECT_EQ(error({"datasets.name"}),
            "order_by[0] 'datasets.name': at character 1: runs cannot be ordered by a dataset");
  EXPECT_EQ(error({"metrics.loss sideways"}),
            "order_by[0] 'metrics.loss sideways': at character 14: expected ASC, DESC or the end "
            "of the order_by clause, got 'sideways'");
}

}  // namespace
}  // namespace runledger::tracking::search
