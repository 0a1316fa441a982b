#include "tracking/latest_values.h"

#include <gtest/gtest.h>

#include "store/file_object_store.h"
#include "test_util.h"

namespace runledger::tracking {
namespace {

using store::Point;

// Over a real MetricStore in a temporary directory.
class LatestValuesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto objects = store::ObjectStore::Open("file://" + dir_.path() + "/objects");
    ASSERT_TRUE(objects.ok()) << objects.status().ToString();
    objects_ = std::move(*objects);
    auto s = store::MetricStore::Open({.wal_dir = dir_.path() + "/wal",
                                       .objects = objects_.get(),
                                       .background_compaction = false,
                                       .clock = &clock_});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    latest_ = std::make_unique<LatestValues>(*store_);
  }
  // Appends to the store and tells LatestValues, as the ingest path does.
  void Log(const std::string& run_id, std::vector<Point> points) {
    ASSERT_TRUE(store_->Append({run_id, "", points}).ok());
    latest_->Add(run_id, points);
  }
  std::vector<Point> PointsOf(const std::string& run_id) {
    auto points = latest_->Points(run_id);
    EXPECT_TRUE(points.ok()) << points.status().ToString();
    return points.ok() ? *points : std::vector<Point>{};
  }

  FakeClock clock_;
  store::testing::TempDir dir_;
  std::unique_ptr<store::ObjectStore> objects_;
  std::unique_ptr<store::MetricStore> store_;
  std::unique_ptr<LatestValues> latest_;
};

TEST_F(LatestValuesTest, UnknownRunHasNoValues) { EXPECT_TRUE(PointsOf("nobody").empty()); }

TEST_F(LatestValuesTest, FirstGetLoadsFromTheStore) {
  ASSERT_TRUE(store_->Append({"r", "", {{"loss", 0.5, 10, 1}, {"acc", 0.8, 10, 1}}}).ok());
  EXPECT_EQ(PointsOf("r"), (std::vector<Point>{{"acc", 0.8, 10, 1}, {"loss", 0.5, 10, 1}}));
}

TEST_F(LatestValuesTest, AddForARunNotLoadedIsSeenOnItsFirstGet) {
  Log("r", {{"loss", 0.5, 10, 1}});
  Log("r", {{"loss", 0.4, 11, 2}});
  EXPECT_EQ(PointsOf("r"), (std::vector<Point>{{"loss", 0.4, 11, 2}}));
}

TEST_F(LatestValuesTest, AddAfterLoadUpdatesTheKeptValues) {
  Log("r", {{"loss", 0.5, 10, 1}});
  ASSERT_EQ(PointsOf("r").size(), 1u);  // Loaded and kept.
  Log("r", {{"loss", 0.3, 12, 3}, {"acc", 0.9, 12, 3}});
  EXPECT_EQ(PointsOf("r"), (std::vector<Point>{{"acc", 0.9, 12, 3}, {"loss", 0.3, 12, 3}}));
}

// MLflow's rule: the largest step wins, whatever the order of logging.
TEST_F(LatestValuesTest, AnEarlierStepLoggedLaterDoesNotReplace) {
  Log("r", {{"loss", 0.5, 10, 5}});
  ASSERT_EQ(PointsOf("r").size(), 1u);
  Log("r", {{"loss", 0.9, 20, 4}});
  EXPECT_EQ(PointsOf("r"), (std::vector<Point>{{"loss", 0.5, 10, 5}}));
  Log("r", {{"loss", 0.7, 5, 5}});  // Same step, earlier timestamp.
  EXPECT_EQ(PointsOf("r"), (std::vector<Point>{{"loss", 0.5, 10, 5}}));
}

// What is kept agrees with the store's own answer after any sequence.
TEST_F(LatestValuesTest, KeptValuesAgreeWithTheStore) {
  Log("r", {{"a", 1, 1, 1}});
  ASSERT_EQ(PointsOf("r").size(), 1u);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Log("r", {{"a", nan, 1, 1}, {"a", 2, 1, 1}, {"b", nan, 3, 0}, {"b", 7, 2, 0}});
  Log("r", {{"a", 0.5, 1, 1}, {"c", -1, 0, -3}});
  EXPECT_EQ(PointsOf("r"), *store_->Latest("r"));
}

TEST_F(LatestValuesTest, RunsAreSeparate) {
  Log("r1", {{"loss", 1, 1, 1}});
  Log("r2", {{"loss", 2, 2, 2}});
  EXPECT_EQ(PointsOf("r1"), (std::vector<Point>{{"loss", 1, 1, 1}}));
  EXPECT_EQ(PointsOf("r2"), (std::vector<Point>{{"loss", 2, 2, 2}}));
}

TEST_F(LatestValuesTest, ASnapshotDoesNotChangeUnderItsReader) {
  Log("r", {{"loss", 1, 1, 1}});
  auto before = latest_->Get("r");
  ASSERT_TRUE(before.ok());
  Log("r", {{"loss", 2, 2, 2}});
  EXPECT_EQ((*before)->at("loss").value, 1);
  EXPECT_EQ((*latest_->Get("r"))->at("loss").value, 2);
}

TEST_F(LatestValuesTest, ForgetDropsWhatWasKept) {
  Log("r", {{"loss", 1, 1, 1}});
  ASSERT_EQ(PointsOf("r").size(), 1u);
  latest_->Forget("r");
  // Not kept any more: an Add is not applied, the next Get reloads the store.
  ASSERT_TRUE(store_->Append({"r", "", {{"loss", 2, 2, 2}}}).ok());
  EXPECT_EQ(PointsOf("r"), (std::vector<Point>{{"loss", 2, 2, 2}}));
}

}  // namespace
}  // namespace runledger::tracking
