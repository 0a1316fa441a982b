#include "controllers/experiment.h"

#include <gtest/gtest.h>

namespace runledger::controllers {
namespace {

using nlohmann::json;

json Exp(std::string goal) {
  return {{"metadata", {{"name", "e"}, {"namespace", "ml"}, {"uid", "a-b"}, {"generation", 2}}},
          {"spec", {{"primaryMetric", {{"name", "auc"}, {"goal", goal}}}}}};
}

json MakeRun(std::string name, std::string phase, std::optional<double> auc = std::nullopt) {
  json r = {{"metadata", {{"name", name}}}, {"status", {{"phase", phase}}}};
  if (auc) r["status"]["metrics"]["auc"] = {{"last", *auc}};
  return r;
}

TEST(DecideExperimentTest, CountsRunsByPhase) {
  ExperimentObserved o{Exp("maximize"),
                       {MakeRun("a", "Running"), MakeRun("b", "Succeeded"), MakeRun("c", "Failed"),
                        MakeRun("d", "")},
                       FakeClock().SystemNow()};
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
  auto max = DecideExperiment({Exp("maximize"), runs, FakeClock().SystemNow()});
  EXPECT_EQ((*max.status)["bestRun"], (json{{"name", "b"}, {"value", 0.9}}));
  auto min = DecideExperiment({Exp("minimize"), runs, FakeClock().SystemNow()});
  EXPECT_EQ((*min.status)["bestRun"]["name"], "a");
}

TEST(DecideExperimentTest, NoMetricYetMeansNoBestRun) {
  auto plan =
      DecideExperiment({Exp("maximize"), {MakeRun("a", "Succeeded")}, FakeClock().SystemNow()});
  EXPECT_FALSE(plan.status->contains("bestRun"));
}

TEST(DecideExperimentTest, UnchangedRunsWriteNothing) {
  ExperimentObserved o{Exp("maximize"), {MakeRun("a", "Running")}, FakeClock().SystemNow()};
  auto first = DecideExperiment(o);
  o.experiment["status"] = *first.status;
  EXPECT_FALSE(DecideExperiment(o).status);
}

}  // namespace
}  // namespace runledger::controllers
