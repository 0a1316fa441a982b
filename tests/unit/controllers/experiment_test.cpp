#include "controllers/experiment.h"

#include <gtest/gtest.h>

namespace runledger::controllers {
namespace {

using nlohmann::json;

json Exp(std::string goal) {
  return {{"metadata", {{"name", "e"}, {"namespace", "ml"}, {"uid", "a-b"}, {"generation", 2}}},
          {"spec", {{"primaryMetric", {{"name", "auc"}, {"goal", goal}}}}}};
}

// The observed state of an Experiment with `runs`, now.
ExperimentObserved Observed(json experiment, const std::vector<json>& runs) {
  ExperimentObserved o{std::move(experiment), {}, FakeClock().SystemNow()};
  for (const json& r : runs) o.runs.push_back(std::make_shared<const json>(r));
  return o;
}

json MakeRun(std::string name, std::string phase, std::optional<double> auc = std::nullopt) {
  json r = {{"metadata", {{"name", name}}}, {"status", {{"phase", phase}}}};
  if (auc) r["status"]["metrics"]["auc"] = {{"last", *auc}};
  return r;
}

TEST(DecideExperimentTest, CountsRunsByPhase) {
  ExperimentObserved o =
      Observed(Exp("maximize"), {MakeRun("a", "Running"), MakeRun("b", "Succeeded"),
                                 MakeRun("c", "Failed"), MakeRun("d", "")});
  auto plan = DecideExperiment(o);
  ASSERT_TRUE(plan.status);
  EXPECT_EQ((*plan.status)["runs"],
            (json{{"total", 4}, {"pending", 1}, {"running", 1}, {"succeeded", 1}, {"failed", 1}}));
  EXPECT_EQ((*plan.status)["observedGeneration"], 2);
  EXPECT_EQ((*plan.status)["experimentId"], "ab");
}

TEST(DecideExperimentTest, BestRunFollowsTheGoal) {
  std::vector<json> runs = {MakeRun("a", "Succeeded", 0.8), MakeRun("b", "Succeeded", 0.9),
                            MakeRun("c", "Failed", 0.99), MakeRun("d", "Running", 0.95)};
  auto max = DecideExperiment(Observed(Exp("maximize"), runs));
  EXPECT_EQ((*max.status)["bestRun"], (json{{"name", "b"}, {"value", 0.9}}));
  auto min = DecideExperiment(Observed(Exp("minimize"), runs));
  EXPECT_EQ((*min.status)["bestRun"]["name"], "a");
}

TEST(DecideExperimentTest, NoMetricYetMeansNoBestRun) {
  auto plan = DecideExperiment(Observed(Exp("maximize"), {MakeRun("a", "Succeeded")}));
  EXPECT_FALSE(plan.status->contains("bestRun"));
}

json RunWithPrimary(std::string name, std::string phase, double value) {
  json r = MakeRun(name, phase);
  r["status"]["primaryMetric"] = {{"name", "auc"}, {"value", value}, {"step", 10}};
  r["status"]["runId"] = "id-" + name;
  return r;
}

TEST(DecideExperimentTest, BestRunCarriesTheRunIdFromPrimaryMetric) {
  auto plan = DecideExperiment(Observed(Exp("maximize"), {RunWithPrimary("a", "Succeeded", 0.7),
                                                          RunWithPrimary("b", "Succeeded", 0.8)}));
  EXPECT_EQ((*plan.status)["bestRun"], (json{{"name", "b"}, {"value", 0.8}, {"runId", "id-b"}}));
}

TEST(DecideExperimentTest, MinimizeTakesTheLowest) {
  auto plan = DecideExperiment(Observed(Exp("minimize"), {RunWithPrimary("a", "Succeeded", 0.7),
                                                          RunWithPrimary("b", "Succeeded", 0.2),
                                                          RunWithPrimary("c", "Succeeded", 0.5)}));
  EXPECT_EQ((*plan.status)["bestRun"]["name"], "b");
  EXPECT_EQ((*plan.status)["bestRun"]["value"], 0.2);
}

TEST(DecideExperimentTest, TieGoesToTheAlphabeticallyFirstName) {
  for (const char* goal : {"maximize", "minimize"}) {
    auto plan = DecideExperiment(Observed(Exp(goal), {RunWithPrimary("zeta", "Succeeded", 0.5),
                                                      RunWithPrimary("alpha", "Succeeded", 0.5),
                                                      RunWithPrimary("mid", "Succeeded", 0.5)}));
    EXPECT_EQ((*plan.status)["bestRun"]["name"], "alpha") << goal;
  }
}

TEST(DecideExperimentTest, RunsWithoutAValueAreSkipped) {
  json no_value = MakeRun("b", "Succeeded");
  no_value["status"]["primaryMetric"] = {{"name", "auc"}, {"step", 3}};  // Value was NaN.
  json other_metric = MakeRun("c", "Succeeded");
  other_metric["status"]["primaryMetric"] = {{"name", "loss"}, {"value", 9.0}};
  auto plan = DecideExperiment(
      Observed(Exp("maximize"), {RunWithPrimary("a", "Succeeded", 0.1), no_value, other_metric}));
  EXPECT_EQ((*plan.status)["bestRun"]["name"], "a");
}

TEST(DecideExperimentTest, OnlySucceededRunsAreBest) {
  auto plan = DecideExperiment(Observed(
      Exp("maximize"), {RunWithPrimary("r", "Running", 0.99), RunWithPrimary("f", "Failed", 0.98),
                        RunWithPrimary("p", "Pending", 0.97)}));
  EXPECT_FALSE(plan.status->contains("bestRun"));
}

TEST(DecideExperimentTest, RunsDeletedThroughTheTrackingApiAreNeitherCountedNorBest) {
  json deleted = RunWithPrimary("d", "Succeeded", 0.99);
  deleted["status"]["tracking"]["lifecycleStage"] = "deleted";
  json active = RunWithPrimary("a", "Succeeded", 0.5);
  active["status"]["tracking"]["lifecycleStage"] = "active";
  auto plan = DecideExperiment(Observed(Exp("maximize"), {deleted, active}));
  EXPECT_EQ((*plan.status)["bestRun"]["name"], "a");
  EXPECT_EQ((*plan.status)["runs"]["total"], 1);
  EXPECT_EQ((*plan.status)["runs"]["succeeded"], 1);
}

TEST(DecideExperimentTest, UnchangedRunsWriteNothing) {
  ExperimentObserved o = Observed(Exp("maximize"), {MakeRun("a", "Running")});
  auto first = DecideExperiment(o);
  o.experiment["status"] = *first.status;
  EXPECT_FALSE(DecideExperiment(o).status);
}

}  // namespace
}  // namespace runledger::controllers
