#include "tracking/catalog.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace runledger::tracking {
namespace {

using nlohmann::json;

json Experiment(const std::string& name, const std::string& uid) {
  return {{"metadata",
           {{"name", name}, {"namespace", "team"}, {"uid", uid}, {"resourceVersion", "1"}}}};
}

// A TrainingRun of Experiment `experiment`; `uid` is its run id with dashes.
json RunObject(const std::string& name, const std::string& uid, const std::string& experiment,
               const std::string& resource_version, const std::string& phase = "Running") {
  return {{"metadata",
           {{"name", name},
            {"namespace", "team"},
            {"uid", uid},
            {"resourceVersion", resource_version}}},
          {"spec", {{"experimentRef", experiment}}},
          {"status", {{"phase", phase}}}};
}

constexpr const char* kUidA = "aaaaaaaa-0000-0000-0000-000000000001";
constexpr const char* kUidB = "bbbbbbbb-0000-0000-0000-000000000002";
constexpr const char* kExpUid = "eeeeeeee-0000-0000-0000-00000000000e";

// name → status of the runs RunsOf lists.
std::map<std::string, std::string> Listed(const Catalog& catalog, const std::string& experiment) {
  std::map<std::string, std::string> out;
  for (const RunPtr& r : *catalog.RunsOf("team", experiment)) out[r->name] = r->status;
  return out;
}

TEST(CatalogTest, RunsOfAnUnknownExperimentIsEmpty) {
  Catalog catalog;
  EXPECT_TRUE(catalog.RunsOf("team", "nothing")->empty());
}

TEST(CatalogTest, RunsOfFollowsAddsChangesMovesAndDeletes) {
  Catalog catalog;
  catalog.Observe(Catalog::Kind::kRun, RunObject("a", kUidA, "mnist", "1"));
  catalog.Observe(Catalog::Kind::kRun, RunObject("b", kUidB, "mnist", "2"));
  EXPECT_EQ(Listed(catalog, "mnist"),
            (std::map<std::string, std::string>{{"a", kRunning}, {"b", kRunning}}));
  const Catalog::RunList before = catalog.RunsOf("team", "mnist");
  EXPECT_EQ(catalog.RunsOf("team", "mnist"), before);  // Shared while nothing changes.

  catalog.Observe(Catalog::Kind::kRun, RunObject("a", kUidA, "mnist", "3", "Succeeded"));
  EXPECT_EQ(Listed(catalog, "mnist"),
            (std::map<std::string, std::string>{{"a", kFinished}, {"b", kRunning}}));
  EXPECT_EQ(before->size(), 2u);  // A list handed out does not change under its reader.
  EXPECT_EQ(std::count_if(before->begin(), before->end(),
                          [](const RunPtr& r) { return r->status == kRunning; }),
            2);

  catalog.Observe(Catalog::Kind::kRun, RunObject("b", kUidB, "cifar", "4"));
  EXPECT_EQ(Listed(catalog, "mnist"), (std::map<std::string, std::string>{{"a", kFinished}}));
  EXPECT_EQ(Listed(catalog, "cifar"), (std::map<std::string, std::string>{{"b", kRunning}}));

  catalog.Forget(Catalog::Kind::kRun, RunObject("a", kUidA, "mnist", "5"));
  EXPECT_TRUE(catalog.RunsOf("team", "mnist")->empty());
}

TEST(CatalogTest, AnOlderResourceVersionDoesNotReplaceTheListedRun) {
  Catalog catalog;
  catalog.Observe(Catalog::Kind::kRun, RunObject("a", kUidA, "mnist", "7", "Succeeded"));
  catalog.RunsOf("team", "mnist");
  catalog.Observe(Catalog::Kind::kRun, RunObject("a", kUidA, "mnist", "6"));
  EXPECT_EQ(Listed(catalog, "mnist"), (std::map<std::string, std::string>{{"a", kFinished}}));
}

// A run created a moment ago has no status.experimentId; its listed record
// takes the id from the Experiment, also when the Experiment arrives after a
// list was handed out.
TEST(CatalogTest, ListedRunsTakeTheirExperimentIdFromALaterExperiment) {
  Catalog catalog;
  catalog.Observe(Catalog::Kind::kRun, RunObject("a", kUidA, "mnist", "1"));
  ASSERT_EQ(catalog.RunsOf("team", "mnist")->size(), 1u);
  EXPECT_EQ(catalog.RunsOf("team", "mnist")->front()->experiment_id, "");
  catalog.Observe(Catalog::Kind::kExperiment, Experiment("mnist", kExpUid));
  const RunPtr listed = catalog.RunsOf("team", "mnist")->front();
  EXPECT_EQ(listed->experiment_id, "eeeeeeee00000000000000000000000e");
  EXPECT_EQ(listed->artifact_uri,
            "mlflow-artifacts:/eeeeeeee00000000000000000000000e/"
            "aaaaaaaa000000000000000000000001/artifacts");
}

}  // namespace
}  // namespace runledger::tracking
