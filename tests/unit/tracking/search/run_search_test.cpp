#include "tracking/search/run_search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "search_test_util.h"
#include "tracking/search/page_token.h"

namespace runledger::tracking::search {
namespace {

using testing::MakeRun;
using testing::MetricTable;
using testing::Pointers;

class RunSearchTest : public ::testing::Test {
 protected:
  // The run ids of a search's page, or the error.
  std::vector<std::string> Search(std::string_view filter, std::vector<std::string> order_by = {},
                                  PageRequest page = {}) {
    const std::vector<const RunRecord*> rows = Pointers(runs_);
    const auto result = SearchRuns(rows, metrics_, {filter, order_by, page});
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<std::string> ids;
    if (!result.ok()) return ids;
    for (size_t row : result->rows) ids.push_back(runs_[row].run_id);
    next_token_ = result->next_page_token;
    return ids;
  }

  std::vector<RunRecord> runs_;
  MetricTable metrics_;
  std::string next_token_;
};

using Ids = std::vector<std::string>;

TEST_F(RunSearchTest, DefaultOrderIsNewestFirstThenRunId) {
  runs_ = {MakeRun("b", 100), MakeRun("a", 100), MakeRun("c", 300), MakeRun("d", 200)};
  EXPECT_EQ(Search(""), (Ids{"c", "d", "a", "b"}));
}

TEST_F(RunSearchTest, OrderByMetricAscendingPutsNanThenMissingLast) {
  runs_ = {MakeRun("missing"), MakeRun("nan"), MakeRun("two"), MakeRun("one")};
  metrics_.Set(1, "loss", std::nan(""));
  metrics_.Set(2, "loss", 2);
  metrics_.Set(3, "loss", 1);
  EXPECT_EQ(Search("", {"metrics.loss ASC"}), (Ids{"one", "two", "nan", "missing"}));
}

TEST_F(RunSearchTest, OrderByMetricDescendingStillPutsNanThenMissingLast) {
  runs_ = {MakeRun("missing"), MakeRun("nan"), MakeRun("one"), MakeRun("two")};
  metrics_.Set(1, "loss", std::nan(""));
  metrics_.Set(2, "loss", 1);
  metrics_.Set(3, "loss", 2);
  EXPECT_EQ(Search("", {"metrics.loss DESC"}), (Ids{"two", "one", "nan", "missing"}));
}

TEST_F(RunSearchTest, OrderByParamOrTagPutsMissingLastBothWays) {
  runs_ = {MakeRun("none"), MakeRun("b"), MakeRun("a")};
  runs_[1].params["opt"] = "sgd";
  runs_[2].params["opt"] = "adam";
  runs_[1].tags["t"] = "2";
  runs_[2].tags["t"] = "10";  // Strings: "10" < "2".
  EXPECT_EQ(Search("", {"params.opt"}), (Ids{"a", "b", "none"}));
  EXPECT_EQ(Search("", {"params.opt DESC"}), (Ids{"b", "a", "none"}));
  EXPECT_EQ(Search("", {"tags.t ASC"}), (Ids{"a", "b", "none"}));
}

TEST_F(RunSearchTest, TiesFallToTheNextTermThenStartTimeThenRunId) {
  runs_ = {MakeRun("x", 1), MakeRun("y", 2), MakeRun("w", 2), MakeRun("z", 3)};
  for (size_t i = 0; i < 3; ++i) metrics_.Set(i, "acc", 0.5);
  metrics_.Set(3, "acc", 0.9);
  // Equal acc: newest first, then run id.
  EXPECT_EQ(Search("", {"metrics.acc DESC"}), (Ids{"z", "w", "y", "x"}));
  runs_[0].params["p"] = "1";
  runs_[1].params["p"] = "2";
  runs_[2].params["p"] = "1";
  EXPECT_EQ(Search("", {"metrics.acc DESC", "params.p DESC"}), (Ids{"z", "y", "w", "x"}));
}

TEST_F(RunSearchTest, OrderByStartTimeReplacesTheDefault) {
  runs_ = {MakeRun("b", 2), MakeRun("a", 1), MakeRun("c", 2)};
  EXPECT_EQ(Search("", {"attributes.start_time ASC"}), (Ids{"a", "b", "c"}));
  EXPECT_EQ(Search("", {"created"}), (Ids{"a", "b", "c"}));
}

TEST_F(RunSearchTest, OrderByEndTimePutsRunningRunsLast) {
  runs_ = {MakeRun("running"), MakeRun("late"), MakeRun("early")};
  runs_[1].end_time_ms = 20;
  runs_[2].end_time_ms = 10;
  EXPECT_EQ(Search("", {"attributes.end_time DESC"}), (Ids{"late", "early", "running"}));
  EXPECT_EQ(Search("", {"attributes.end_time"}), (Ids{"early", "late", "running"}));
}

TEST_F(RunSearchTest, OrderByBackquotedKey) {
  runs_ = {MakeRun("a"), MakeRun("b")};
  metrics_.Set(0, "val loss", 2);
  metrics_.Set(1, "val loss", 1);
  EXPECT_EQ(Search("", {"metrics.`val loss` ASC"}), (Ids{"b", "a"}));
}

TEST_F(RunSearchTest, FilterAndOrderTogether) {
  runs_ = {MakeRun("a"), MakeRun("b"), MakeRun("c"), MakeRun("d")};
  for (size_t i = 0; i < runs_.size(); ++i) metrics_.Set(i, "loss", static_cast<double>(4 - i));
  runs_[2].tags["mlflow.parentRunId"] = "p";
  runs_[3].tags["mlflow.parentRunId"] = "p";
  EXPECT_EQ(Search("tags.`mlflow.parentRunId` = 'p' AND metrics.loss < 3", {"metrics.loss"}),
            (Ids{"d", "c"}));
}

TEST_F(RunSearchTest, NoMetricsMeansNoRunHasAMetric) {
  runs_ = {MakeRun("a", 1), MakeRun("b", 2)};
  const std::vector<const RunRecord*> rows = Pointers(runs_);
  const auto none = SearchRuns(rows, NoMetrics(), {"metrics.loss != 0", {}, {}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->rows.empty());
  const std::string order[] = {"metrics.loss DESC"};
  const auto all = SearchRuns(rows, NoMetrics(), {"", order, {}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->rows, (std::vector<size_t>{1, 0}));  // All missing: newest first.
}

TEST_F(RunSearchTest, ViewTypes) {
  runs_ = {MakeRun("live", 2), MakeRun("gone", 1)};
  runs_[1].lifecycle_stage = kDeleted;
  EXPECT_EQ(Search(""), (Ids{"live"}));
  EXPECT_EQ(Search("", {}, {ViewType::kDeletedOnly, {}, ""}), (Ids{"gone"}));
  EXPECT_EQ(Search("", {}, {ViewType::kAll, {}, ""}), (Ids{"live", "gone"}));
}

TEST_F(RunSearchTest, PagesCoverEveryRowOnce) {
  for (int i = 0; i < 23; ++i) {
    runs_.push_back(MakeRun("run" + std::to_string(i), i % 5));  // Many start_time ties.
    if (i % 3 != 0) metrics_.Set(runs_.size() - 1, "m", i % 4);
  }
  for (int64_t page_size : {1, 2, 5, 7, 22, 23, 24, 1000}) {
    std::vector<std::string> all;
    std::string token;
    int pages = 0;
    do {
      const Ids page = Search("", {"metrics.m DESC"}, {ViewType::kActiveOnly, page_size, token});
      EXPECT_LE(page.size(), static_cast<size_t>(page_size));
      EXPECT_FALSE(page.empty()) << "a token led to an empty page";
      all.insert(all.end(), page.begin(), page.end());
      token = next_token_;
      ASSERT_LT(++pages, 100);
    } while (!token.empty());
    EXPECT_EQ(all, Search("", {"metrics.m DESC"}, {ViewType::kActiveOnly, 50000, ""})) << page_size;
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), runs_.size()) << page_size;
  }
}

TEST_F(RunSearchTest, TokenIsMlflowsOffset) {
  for (int i = 0; i < 5; ++i) runs_.push_back(MakeRun(std::to_string(i), i));
  EXPECT_EQ(Search("", {}, {ViewType::kActiveOnly, 2, ""}), (Ids{"4", "3"}));
  EXPECT_EQ(next_token_, EncodePageToken(2));
  EXPECT_EQ(Search("", {}, {ViewType::kActiveOnly, 2, EncodePageToken(4)}), (Ids{"0"}));
  EXPECT_EQ(next_token_, "");
}

TEST_F(RunSearchTest, InvalidInputsAreInvalidArgument) {
  runs_ = {MakeRun("a")};
  const std::vector<const RunRecord*> rows = Pointers(runs_);
  const auto run = [&](std::string_view filter, std::vector<std::string> order, PageRequest page) {
    return SearchRuns(rows, metrics_, {filter, order, page}).status();
  };
  EXPECT_EQ(run("metrics.a ~ 1", {}, {}).code(), Code::kInvalidArgument);
  EXPECT_EQ(run("", {"foo.bar"}, {}).code(), Code::kInvalidArgument);
  EXPECT_EQ(run("", {}, {ViewType::kAll, 50001, ""}).code(), Code::kInvalidArgument);
  EXPECT_EQ(run("", {}, {ViewType::kAll, {}, "%%%"}).code(), Code::kInvalidArgument);
}

// Not a benchmark: 10,000 runs through a metric filter and order, checked
// for the right answer (how long it takes is measured elsewhere).
TEST_F(RunSearchTest, TenThousandRunsFilteredAndOrdered) {
  constexpr size_t kRuns = 10000;
  runs_.reserve(kRuns);
  std::vector<double> loss(kRuns);
  for (size_t i = 0; i < kRuns; ++i) {
    runs_.push_back(MakeRun("run" + std::to_string(i), static_cast<int64_t>(i)));
    loss[i] = static_cast<double>((i * 7919) % 1000) / 1000.0;
  }
  // A slot-indexed lookup, as a metric store would give.
  MetricLookupFn lookup([&loss](size_t row, size_t, std::string_view) -> std::optional<double> {
    if (row % 10 == 0) return std::nullopt;  // Every tenth run logged no loss.
    return loss[row];
  });
  const std::vector<const RunRecord*> rows = Pointers(runs_);
  const std::string order[] = {"metrics.loss ASC"};
  const auto page = SearchRuns(rows, lookup, {"metrics.loss < 0.5", order, {}});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  size_t expected = 0;
  for (size_t i = 0; i < kRuns; ++i) expected += (i % 10 != 0 && loss[i] < 0.5) ? 1 : 0;
  EXPECT_EQ(page->rows.size(), std::min<size_t>(expected, 1000));
  EXPECT_FALSE(page->next_page_token.empty());
  for (size_t k = 1; k < page->rows.size(); ++k) {
    const size_t a = page->rows[k - 1], b = page->rows[k];
    ASSERT_LE(loss[a], loss[b]);
    if (loss[a] == loss[b]) {
      ASSERT_GT(a, b);  // Then newest (larger start_time) first.
    }
  }
  for (size_t row : page->rows) ASSERT_LT(loss[row], 0.5);
}

}  // namespace
}  // namespace runledger::tracking::search
