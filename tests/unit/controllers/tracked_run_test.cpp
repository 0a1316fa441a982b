// Tracked runs (TrainingRuns without spec.template, created through the MLflow
// tracking API): nothing is launched, the phase and times follow
// status.tracking, and what the tracking API wrote is kept.
#include <gtest/gtest.h>

#include "controllers/trainingrun.h"

namespace runledger::controllers {
namespace {

using nlohmann::json;

// 2026-01-01T00:00:00Z and 01:00:00Z, in ms, with a fraction that is dropped.
constexpr int64_t kStartMs = 1767225600123;
constexpr int64_t kEndMs = 1767229200999;

json TrackedRun(json tracking = nullptr) {
  json run = {{"apiVersion", "runledger.dev/v1alpha1"},
              {"kind", "TrainingRun"},
              {"metadata",
               {{"name", "nb"},
                {"namespace", "ml"},
                {"uid", "11111111-2222-3333-4444-555555555555"},
                {"generation", 1}}},
              {"spec",
               {{"experimentRef", "exp"},
                {"parentRef", "study"},
                {"collect", {{"stdout", true}, {"format", "auto"}}},
                {"backoffLimit", 0},
                {"suspend", false}}}};
  if (!tracking.is_null()) run["status"]["tracking"] = std::move(tracking);
  return run;
}

TrainingRunObserved Observed(json run, json experiment_spec = json::object()) {
  TrainingRunObserved o;
  o.run = std::move(run);
  o.experiment = json{
      {"metadata",
       {{"name", "exp"}, {"namespace", "ml"}, {"uid", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}}},
      {"spec", std::move(experiment_spec)}};
  o.new_token = "tok";
  o.now = FakeClock().SystemNow();
  return o;
}

const json* Cond(const json& status, const std::string& type) {
  if (!status.contains("conditions")) return nullptr;
  for (const auto& c : status["conditions"])
    if (c["type"] == type) return &c;
  return nullptr;
}

TEST(TrackedRunTest, RunWithoutTemplateIsTracked) {
  EXPECT_TRUE(IsTrackedRun(TrackedRun()));
  json launched = TrackedRun();
  launched["spec"]["template"] = {{"spec", {{"containers", json::array()}}}};
  EXPECT_FALSE(IsTrackedRun(launched));
}

struct PhaseCase {
  const char* mlflow_status;  // nullptr: no status.tracking at all.
  const char* phase;
  const char* ready;
  const char* reason;
};

class TrackedPhaseTest : public ::testing::TestWithParam<PhaseCase> {};

TEST_P(TrackedPhaseTest, PhaseFollowsTheTrackingStatus) {
  const PhaseCase& c = GetParam();
  json tracking = c.mlflow_status ? json{{"status", c.mlflow_status}} : json(nullptr);
  auto plan = DecideTrainingRun(Observed(TrackedRun(tracking)), {});
  EXPECT_TRUE(plan.result.ok()) << plan.result.ToString();
  ASSERT_TRUE(plan.status);
  EXPECT_EQ((*plan.status)["phase"], c.phase);
  const json* ready = Cond(*plan.status, "Ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ((*ready)["status"], c.ready);
  EXPECT_EQ((*ready)["reason"], c.reason);
}

INSTANTIATE_TEST_SUITE_P(Table, TrackedPhaseTest,
                         ::testing::Values(PhaseCase{nullptr, "Running", "True", "Running"},
                                           PhaseCase{"RUNNING", "Running", "True", "Running"},
                                           PhaseCase{"SCHEDULED", "Pending", "False", "Scheduled"},
                                           PhaseCase{"FINISHED", "Succeeded", "True", "Succeeded"},
                                           PhaseCase{"FAILED", "Failed", "False", "Failed"},
                                           PhaseCase{"KILLED", "Failed", "False", "Failed"}),
                         [](const auto& info) {
                           return std::string(info.param.mlflow_status ? info.param.mlflow_status
                                                                       : "ABSENT");
                         });

TEST(TrackedRunTest, NothingIsLaunchedOrResolved) {
  json run = TrackedRun({{"status", "RUNNING"}});
  run["spec"]["source"] = {{"git", {{"url", "https://git.example.com/r.git"}}}};
  run["spec"]["dataset"] = {{"uri", "s3://lake/train"}};
  EXPECT_FALSE(NeedsSourceResolution(run));
  EXPECT_FALSE(NeedsDatasetResolution(run));
  auto plan = DecideTrainingRun(Observed(run), {});
  EXPECT_TRUE(plan.result.ok()) << plan.result.ToString();
  EXPECT_FALSE(plan.job);
  EXPECT_FALSE(plan.token_secret);
  const json& s = *plan.status;
  EXPECT_FALSE(s.contains("jobName"));
  EXPECT_FALSE(s.contains("tokenHash"));
  EXPECT_FALSE(s.contains("source"));
  EXPECT_EQ(s["runId"], "11111111222233334444555555555555");
  EXPECT_EQ(s["experimentId"], "aaaaaaaabbbbccccddddeeeeeeeeeeee");
}

TEST(TrackedRunTest, ExperimentRequirementsAreNotChecked) {
  auto o = Observed(
      TrackedRun({{"status", "RUNNING"}}),
      {{"requiredTags", {"team"}}, {"require", {{"gitCommit", true}, {"datasetSnapshot", true}}}});
  auto plan = DecideTrainingRun(o, {});
  EXPECT_EQ((*plan.status)["phase"], "Running");
  EXPECT_FALSE(Cond(*plan.status, "Stalled"));
  EXPECT_TRUE(plan.events.empty());
}

TEST(TrackedRunTest, TimesComeFromTheTrackingTimesInMs) {
  auto plan = DecideTrainingRun(
      Observed(
          TrackedRun({{"status", "FINISHED"}, {"startTimeMs", kStartMs}, {"endTimeMs", kEndMs}})),
      {});
  EXPECT_EQ((*plan.status)["startTime"], "2026-01-01T00:00:00Z");
  EXPECT_EQ((*plan.status)["completionTime"], "2026-01-01T01:00:00Z");
}

TEST(TrackedRunTest, RunningRunHasNoCompletionTime) {
  auto plan = DecideTrainingRun(
      Observed(TrackedRun({{"status", "RUNNING"}, {"startTimeMs", kStartMs}})), {});
  EXPECT_EQ((*plan.status)["startTime"], "2026-01-01T00:00:00Z");
  EXPECT_FALSE(plan.status->contains("completionTime"));
}

TEST(TrackedRunTest, EndWithoutEndTimeIsStampedOnceWithNow) {
  auto o = Observed(TrackedRun({{"status", "FINISHED"}}));
  auto first = DecideTrainingRun(o, {});
  const std::string stamped = (*first.status)["completionTime"];
  EXPECT_FALSE(stamped.empty());
  o.run["status"] = *first.status;
  o.now += std::chrono::hours(1);
  EXPECT_FALSE(DecideTrainingRun(o, {}).status) << "kept, not moved to the new now";
}

TEST(TrackedRunTest, KilledRunFailsWithReasonKilled) {
  auto plan = DecideTrainingRun(Observed(TrackedRun({{"status", "KILLED"}})), {});
  EXPECT_EQ((*plan.status)["failure"]["reason"], "Killed");
  const json* stalled = Cond(*plan.status, "Stalled");
  ASSERT_TRUE(stalled);
  EXPECT_NE((*stalled)["message"].get<std::string>().find("KILLED"), std::string::npos);
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(plan.events[0].reason, "Failed");
}

TEST(TrackedRunTest, ResumedRunLosesItsEnd) {
  // MLflow lets a finished run be resumed (start_run(run_id=...)).
  auto o = Observed(TrackedRun({{"status", "FAILED"}, {"endTimeMs", kEndMs}}));
  o.run["status"] = *DecideTrainingRun(o, {}).status;
  o.run["status"]["tracking"] = {{"status", "RUNNING"}, {"endTimeMs", kEndMs}};
  auto plan = DecideTrainingRun(o, {});
  EXPECT_EQ((*plan.status)["phase"], "Running");
  EXPECT_FALSE(plan.status->contains("completionTime"));
  EXPECT_FALSE(plan.status->contains("failure"));
  EXPECT_FALSE(Cond(*plan.status, "Stalled"));
}

TEST(TrackedRunTest, SucceededEventOnlyOnTheTransition) {
  auto o = Observed(TrackedRun({{"status", "FINISHED"}, {"endTimeMs", kEndMs}}));
  auto first = DecideTrainingRun(o, {});
  ASSERT_EQ(first.events.size(), 1u);
  EXPECT_EQ(first.events[0].reason, "Succeeded");
  o.run["status"] = *first.status;
  auto second = DecideTrainingRun(o, {});
  EXPECT_TRUE(second.events.empty());
  EXPECT_FALSE(second.status) << "unchanged: nothing to write";
}

TEST(TrackedRunTest, MissingExperimentIsAConditionThePhaseStillFollows) {
  auto o = Observed(TrackedRun({{"status", "RUNNING"}}));
  o.experiment.reset();
  auto plan = DecideTrainingRun(o, {});
  EXPECT_TRUE(plan.result.ok());
  EXPECT_EQ((*plan.status)["phase"], "Running");
  EXPECT_FALSE(plan.status->contains("experimentId"));
  EXPECT_EQ((*Cond(*plan.status, "Ready"))["reason"], "ExperimentNotFound");
  EXPECT_TRUE(Cond(*plan.status, "Reconciling"));
}

TEST(TrackedRunTest, WhatTheTrackingApiWroteIsKept) {
  const json tracking = {{"status", "RUNNING"},
                         {"startTimeMs", kStartMs},
                         {"lifecycleStage", "active"},
                         {"runName", "bright-owl-7"},
                         {"userId", "ann"},
                         {"artifactUri", "s3://art/ml/nb"},
                         {"params", {{"lr", "0.1"}}},
                         {"tags", {{"mlflow.parentRunId", "abc"}}}};
  json run = TrackedRun(tracking);
  run["status"]["metrics"] = {
      {"loss", {{"last", 0.3}, {"min", 0.3}, {"max", 0.9}, {"count", 4}, {"step", 3}}}};
  run["status"]["primaryMetric"] = {{"name", "loss"}, {"value", 0.3}, {"step", 3}};
  auto plan = DecideTrainingRun(Observed(run), {});
  ASSERT_TRUE(plan.status);
  EXPECT_EQ((*plan.status)["tracking"], tracking);
  EXPECT_EQ((*plan.status)["metrics"], run["status"]["metrics"]);
  EXPECT_EQ((*plan.status)["primaryMetric"], run["status"]["primaryMetric"]);
}

}  // namespace
}  // namespace runledger::controllers
