#include "tracking/mlflow_json.h"

#include <gtest/gtest.h>

#include <limits>

namespace runledger::tracking {
namespace {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

RunRecord SampleRun() {
  RunRecord run;
  run.run_id = "0123456789abcdef0123456789abcdef";
  run.experiment_id = "42";
  run.run_name = "bright-owl";
  run.user_id = "alice";
  run.status = kFinished;
  run.start_time_ms = 1700000000123;
  run.end_time_ms = 1700000009999;
  run.artifact_uri = "mlflow-artifacts:/42/0123456789abcdef0123456789abcdef/artifacts";
  run.params = {{"lr", "0.01"}, {"batch", "32"}};
  run.tags = {{"mlflow.runName", "bright-owl"}};
  return run;
}

// protobuf's JSON form of a double, which MLflow's clients parse.
TEST(MlflowJsonTest, NonFiniteValuesAreMlflowsStrings) {
  EXPECT_EQ(MetricValueJson(kNaN), "NaN");
  EXPECT_EQ(MetricValueJson(-kNaN), "NaN");
  EXPECT_EQ(MetricValueJson(kInf), "Infinity");
  EXPECT_EQ(MetricValueJson(-kInf), "-Infinity");
}

TEST(MlflowJsonTest, FiniteValuesAreNumbers) {
  EXPECT_EQ(MetricValueJson(0.5), json(0.5));
  EXPECT_TRUE(MetricValueJson(-3.0).is_number());
  EXPECT_EQ(MetricValueJson(std::numeric_limits<double>::max()),
            json(std::numeric_limits<double>::max()));
  EXPECT_EQ(MetricValueJson(std::numeric_limits<double>::denorm_min()).get<double>(),
            std::numeric_limits<double>::denorm_min());
}

TEST(MlflowJsonTest, MetricHasKeyValueTimestampStep) {
  const json m = MetricJson("val_loss", store::Sample{7, 1700000000123, 0.25});
  EXPECT_EQ(
      m, (json{{"key", "val_loss"}, {"value", 0.25}, {"timestamp", 1700000000123}, {"step", 7}}));
  EXPECT_TRUE(m["timestamp"].is_number_integer());
  EXPECT_TRUE(m["step"].is_number_integer());
}

TEST(MlflowJsonTest, MetricWithNaNValueKeepsItsOtherFields) {
  const json m = MetricJson("loss", store::Sample{-1, 5, kNaN});
  EXPECT_EQ(m["value"], "NaN");
  EXPECT_EQ(m["step"], -1);
  EXPECT_EQ(m["timestamp"], 5);
}

TEST(MlflowJsonTest, RunInfoFields) {
  const json info = RunInfoJson(SampleRun());
  EXPECT_EQ(info["run_id"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(info["experiment_id"], "42");
  EXPECT_EQ(info["run_name"], "bright-owl");
  EXPECT_EQ(info["user_id"], "alice");
  EXPECT_EQ(info["status"], "FINISHED");
  EXPECT_EQ(info["start_time"], 1700000000123);
  EXPECT_EQ(info["end_time"], 1700000009999);
  EXPECT_TRUE(info["start_time"].is_number_integer());
  EXPECT_TRUE(info["end_time"].is_number_integer());
  EXPECT_EQ(info["artifact_uri"],
            "mlflow-artifacts:/42/0123456789abcdef0123456789abcdef/artifacts");
  EXPECT_EQ(info["lifecycle_stage"], "active");
}

// The MLflow UI and older clients read run_uuid.
TEST(MlflowJsonTest, RunUuidBesideRunId) {
  const json info = RunInfoJson(SampleRun());
  EXPECT_EQ(info["run_uuid"], info["run_id"]);
}

TEST(MlflowJsonTest, RunningRunHasNoEndTime) {
  RunRecord run = SampleRun();
  run.status = kRunning;
  run.end_time_ms.reset();
  const json info = RunInfoJson(run);
  EXPECT_FALSE(info.contains("end_time"));
  EXPECT_EQ(info["status"], "RUNNING");
}

TEST(MlflowJsonTest, EndTimeZeroIsStillWritten) {
  RunRecord run = SampleRun();
  run.end_time_ms = 0;
  EXPECT_EQ(RunInfoJson(run)["end_time"], 0);
}

TEST(MlflowJsonTest, DeletedRunSaysSo) {
  RunRecord run = SampleRun();
  run.lifecycle_stage = kDeleted;
  EXPECT_EQ(RunInfoJson(run)["lifecycle_stage"], "deleted");
}

TEST(MlflowJsonTest, RunHasInfoDataAndInputs) {
  const std::vector<store::Point> latest = {{"acc", 0.9, 1700000000500, 10},
                                            {"loss", kInf, 1700000000600, 11}};
  const json run = RunJson(SampleRun(), latest);
  EXPECT_EQ(run["info"], RunInfoJson(SampleRun()));
  EXPECT_TRUE(run["inputs"].is_object());
  const json& data = run["data"];
  EXPECT_EQ(
      data["metrics"],
      (json::array(
          {{{"key", "acc"}, {"value", 0.9}, {"timestamp", 1700000000500}, {"step", 10}},
           {{"key", "loss"}, {"value", "Infinity"}, {"timestamp", 1700000000600}, {"step", 11}}})));
}

TEST(MlflowJsonTest, ParamsAndTagsAreKeyValueLists) {
  const json data = RunJson(SampleRun(), {})["data"];
  EXPECT_EQ(
      data["params"],
      (json::array({{{"key", "batch"}, {"value", "32"}}, {{"key", "lr"}, {"value", "0.01"}}})));
  EXPECT_EQ(data["tags"], (json::array({{{"key", "mlflow.runName"}, {"value", "bright-owl"}}})));
}

// Clients iterate these lists: an empty run has empty lists, not nulls.
TEST(MlflowJsonTest, EmptyRunHasEmptyLists) {
  RunRecord run;
  run.run_id = "r";
  const json data = RunJson(run, {})["data"];
  EXPECT_EQ(data["metrics"], json::array());
  EXPECT_EQ(data["params"], json::array());
  EXPECT_EQ(data["tags"], json::array());
}

TEST(MlflowJsonTest, ExperimentFields) {
  ExperimentRecord e;
  e.experiment_id = "7";
  e.name = "team/mnist";
  e.artifact_location = "mlflow-artifacts:/7";
  e.artifact_store = "s3://bucket/secret-prefix";
  e.creation_time_ms = 1700000000000;
  e.last_update_time_ms = 1700000005000;
  e.tags = {{"owner", "bob"}};
  const json j = ExperimentJson(e);
  EXPECT_EQ(j, (json{{"experiment_id", "7"},
                     {"name", "team/mnist"},
                     {"artifact_location", "mlflow-artifacts:/7"},
                     {"lifecycle_stage", "active"},
                     {"creation_time", 1700000000000},
                     {"last_update_time", 1700000005000},
                     {"tags", json::array({{{"key", "owner"}, {"value", "bob"}}})}}));
}

TEST(MlflowJsonTest, ExperimentWithoutTagsHasAnEmptyList) {
  ExperimentRecord e;
  e.experiment_id = "0";
  e.name = "Default";
  EXPECT_EQ(ExperimentJson(e)["tags"], json::array());
}

}  // namespace
}  // namespace runledger::tracking
