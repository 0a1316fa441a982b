#include "runtime/cache.h"

#include <gtest/gtest.h>

namespace runledger::runtime {
namespace {

using nlohmann::json;

json Obj(const std::string& ns, const std::string& name, const std::string& rv,
         json labels = json::object()) {
  return {{"metadata",
           {{"namespace", ns}, {"name", name}, {"resourceVersion", rv}, {"labels", labels}}}};
}

WatcherEvent Ev(WatcherEventType t, json o = nullptr) {
  return {t, o.is_null() ? nullptr : std::make_shared<const json>(std::move(o))};
}

void Ignore(const CacheChange&) {}

TEST(CacheTest, NotSyncedUntilTheFirstListIsDone) {
  Cache cache;
  cache.Apply(Ev(WatcherEventType::kInitBegin), Ignore);
  cache.Apply(Ev(WatcherEventType::kInitApply, Obj("a", "x", "1")), Ignore);
  EXPECT_FALSE(cache.Synced());
  EXPECT_EQ(cache.Size(), 0u) << "a relist is swapped in whole, not piecemeal";
  cache.Apply(Ev(WatcherEventType::kInitDone), Ignore);
  EXPECT_TRUE(cache.Synced());
  EXPECT_EQ(cache.Size(), 1u);
}

TEST(CacheTest, RelistReportsOnlyWhatChanged) {
  Cache cache;
  std::vector<std::pair<CacheChange::Type, std::string>> changes;
  auto record = [&](const CacheChange& c) {
    changes.push_back({c.type, (*c.new_object)["metadata"]["name"].get<std::string>()});
  };
  for (auto* objs : {"first", "second"}) {
    cache.Apply(Ev(WatcherEventType::kInitBegin), record);
    if (std::string(objs) == "first") {
      cache.Apply(Ev(WatcherEventType::kInitApply, Obj("n", "same", "1")), record);
      cache.Apply(Ev(WatcherEventType::kInitApply, Obj("n", "changed", "1")), record);
      cache.Apply(Ev(WatcherEventType::kInitApply, Obj("n", "gone", "1")), record);
    } else {
      changes.clear();
      cache.Apply(Ev(WatcherEventType::kInitApply, Obj("n", "same", "1")), record);
      cache.Apply(Ev(WatcherEventType::kInitApply, Obj("n", "changed", "2")), record);
      cache.Apply(Ev(WatcherEventType::kInitApply, Obj("n", "new", "3")), record);
    }
    cache.Apply(Ev(WatcherEventType::kInitDone), record);
  }
  using T = CacheChange::Type;
  EXPECT_EQ(changes, (std::vector<std::pair<T, std::string>>{
                         {T::kUpdated, "changed"}, {T::kDeleted, "gone"}, {T::kAdded, "new"}}));
}

TEST(CacheTest, ObjectsReadStayValidAfterTheyChange) {
  Cache cache;
  cache.Apply(Ev(WatcherEventType::kApply, Obj("n", "a", "1")), Ignore);
  ObjectPtr before = cache.Get({"n", "a"});
  cache.Apply(Ev(WatcherEventType::kApply, Obj("n", "a", "2")), Ignore);
  EXPECT_EQ((*before)["metadata"]["resourceVersion"], "1");
  EXPECT_EQ((*cache.Get({"n", "a"}))["metadata"]["resourceVersion"], "2");
}

TEST(CacheTest, DeleteReportsTheLastKnownState) {
  Cache cache;
  cache.Apply(Ev(WatcherEventType::kApply, Obj("n", "a", "1")), Ignore);
  std::optional<CacheChange> seen;
  cache.Apply(Ev(WatcherEventType::kDelete, Obj("n", "a", "2")),
              [&](const CacheChange& c) { seen = c; });
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->type, CacheChange::Type::kDeleted);
  EXPECT_EQ((*seen->old_object)["metadata"]["resourceVersion"], "1");
  EXPECT_EQ(cache.Get({"n", "a"}), nullptr);
}

TEST(CacheTest, ManagedFieldsAndLastAppliedAreDropped) {
  json o = Obj("n", "a", "1");
  o["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
  o["metadata"]["annotations"] = {{"kubectl.kubernetes.io/last-applied-configuration", "{}"},
                                  {"keep", "me"}};
  Cache cache;
  cache.Apply(Ev(WatcherEventType::kApply, o), Ignore);
  ObjectPtr a = cache.Get({"n", "a"});
  const json& meta = (*a)["metadata"];
  EXPECT_FALSE(meta.contains("managedFields"));
  EXPECT_EQ(meta["annotations"], (json{{"keep", "me"}}));
}

TEST(CacheTest, ListByNamespaceReadsOnlyThatNamespace) {
  Cache cache;
  for (auto ns : {"a", "b", "c"}) {
    for (auto name : {"x", "y"})
      cache.Apply(Ev(WatcherEventType::kApply, Obj(ns, name, "1")), Ignore);
  }
  EXPECT_EQ(cache.List("b").size(), 2u);
  EXPECT_EQ(cache.List().size(), 6u);
  EXPECT_TRUE(cache.List("zz").empty());
}

TEST(CacheTest, LabelIndexFollowsLabelChanges) {
  Cache cache;
  cache.AddIndex("experiment", IndexByLabel("runledger.dev/experiment"));
  cache.Apply(
      Ev(WatcherEventType::kApply, Obj("n", "r1", "1", {{"runledger.dev/experiment", "e1"}})),
      Ignore);
  cache.Apply(
      Ev(WatcherEventType::kApply, Obj("n", "r2", "1", {{"runledger.dev/experiment", "e1"}})),
      Ignore);
  cache.Apply(
      Ev(WatcherEventType::kApply, Obj("other", "r3", "1", {{"runledger.dev/experiment", "e1"}})),
      Ignore);
  EXPECT_EQ(cache.ByIndex("experiment", "n/e1").size(), 2u);
  cache.Apply(
      Ev(WatcherEventType::kApply, Obj("n", "r2", "2", {{"runledger.dev/experiment", "e2"}})),
      Ignore);
  EXPECT_EQ(cache.ByIndex("experiment", "n/e1").size(), 1u);
  EXPECT_EQ(cache.ByIndex("experiment", "n/e2").size(), 1u);
  cache.Apply(Ev(WatcherEventType::kDelete, Obj("n", "r1", "3")), Ignore);
  EXPECT_TRUE(cache.ByIndex("experiment", "n/e1").empty());
}

TEST(CacheTest, ControllerUidIndexIgnoresNonControllerOwners) {
  Cache cache;
  cache.AddIndex("owner", IndexByControllerUid());
  json job = Obj("n", "job", "1");
  job["metadata"]["ownerReferences"] = json::array(
      {{{"uid", "other"}, {"controller", false}}, {{"uid", "run-uid"}, {"controller", true}}});
  cache.Apply(Ev(WatcherEventType::kApply, job), Ignore);
  EXPECT_EQ(cache.ByIndex("owner", "run-uid").size(), 1u);
  EXPECT_TRUE(cache.ByIndex("owner", "other").empty());
}

TEST(CacheTest, SummariesHoldOnlyTheNamedFields) {
  Cache cache;
  cache.AddIndex("experiment", IndexByLabel("runledger.dev/experiment"));
  cache.SetSummaryFields({"/status/phase", "/status/absent"});
  json run = Obj("n", "r1", "1", {{"runledger.dev/experiment", "e1"}});
  run["spec"] = {{"params", {{"lr", "3e-4"}}}};
  run["status"] = {{"phase", "Running"}, {"runId", "abc"}};
  cache.Apply(Ev(WatcherEventType::kApply, run), Ignore);
  auto summaries = cache.SummariesByIndex("experiment", "n/e1");
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(*summaries[0], (json{{"metadata", {{"namespace", "n"}, {"name", "r1"}}},
                                 {"status", {{"phase", "Running"}}}}));
}

TEST(CacheTest, SummariesFollowUpdatesAndDeletes) {
  Cache cache;
  cache.AddIndex("experiment", IndexByLabel("runledger.dev/experiment"));
  cache.SetSummaryFields({"/status/phase"});
  json run = Obj("n", "r1", "1", {{"runledger.dev/experiment", "e1"}});
  run["status"] = {{"phase", "Pending"}};
  cache.Apply(Ev(WatcherEventType::kApply, run), Ignore);
  run["metadata"]["resourceVersion"] = "2";
  run["status"]["phase"] = "Succeeded";
  cache.Apply(Ev(WatcherEventType::kApply, run), Ignore);
  auto summaries = cache.SummariesByIndex("experiment", "n/e1");
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ((*summaries[0])["status"]["phase"], "Succeeded");
  cache.Apply(Ev(WatcherEventType::kDelete, run), Ignore);
  EXPECT_TRUE(cache.SummariesByIndex("experiment", "n/e1").empty());
}

TEST(CacheTest, RelistRebuildsIndexes) {
  Cache cache;
  cache.AddIndex("experiment", IndexByLabel("runledger.dev/experiment"));
  cache.Apply(
      Ev(WatcherEventType::kApply, Obj("n", "old", "1", {{"runledger.dev/experiment", "e1"}})),
      Ignore);
  cache.Apply(Ev(WatcherEventType::kInitBegin), Ignore);
  cache.Apply(
      Ev(WatcherEventType::kInitApply, Obj("n", "new", "2", {{"runledger.dev/experiment", "e1"}})),
      Ignore);
  cache.Apply(Ev(WatcherEventType::kInitDone), Ignore);
  auto runs = cache.ByIndex("experiment", "n/e1");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ((*runs[0])["metadata"]["name"], "new");
}

TEST(CacheTest, ReadsAreWholeObjectsEqualToWhatWasApplied) {
  json run = Obj("n", "r1", "7");
  run["spec"] = {{"params", {{"lr", 0.0003}, {"epochs", 3}, {"amp", true}}}, {"tags", nullptr}};
  run["status"] = {{"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})}};
  Cache cache;
  cache.Apply(Ev(WatcherEventType::kApply, run), Ignore);
  ObjectPtr read = cache.Get({"n", "r1"});
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, run);
  EXPECT_EQ(*cache.List("n").at(0), run);
}

// Two namespaces watched by two watchers: each relists alone.
TEST(CacheTest, RelistOfOneScopeLeavesTheOtherScopesObjects) {
  Cache cache;
  cache.SetScopes({"team-a", "team-b"});
  for (const std::string ns : {"team-a", "team-b"}) {
    cache.Apply(Ev(WatcherEventType::kInitBegin), Ignore, ns);
    cache.Apply(Ev(WatcherEventType::kInitApply, Obj(ns, "x", "1")), Ignore, ns);
    cache.Apply(Ev(WatcherEventType::kInitApply, Obj(ns, "y", "1")), Ignore, ns);
    cache.Apply(Ev(WatcherEventType::kInitDone), Ignore, ns);
  }
  std::vector<std::string> deleted;
  auto record = [&](const CacheChange& c) {
    if (c.type == CacheChange::Type::kDeleted)
      deleted.push_back(ObjectKey::Of(*c.old_object).String());
  };
  // team-a relists after missing the delete of y.
  cache.Apply(Ev(WatcherEventType::kInitBegin), record, "team-a");
  cache.Apply(Ev(WatcherEventType::kInitApply, Obj("team-a", "x", "1")), record, "team-a");
  cache.Apply(Ev(WatcherEventType::kInitDone), record, "team-a");
  EXPECT_EQ(deleted, std::vector<std::string>{"team-a/y"});
  EXPECT_EQ(cache.List("team-b").size(), 2u) << "team-b's objects are not team-a's to drop";
  EXPECT_EQ(cache.Size(), 3u);
}

TEST(CacheTest, SyncedOnlyOnceEveryScopeIsListed) {
  Cache cache;
  cache.SetScopes({"team-a", "team-b"});
  cache.Apply(Ev(WatcherEventType::kInitBegin), Ignore, "team-a");
  cache.Apply(Ev(WatcherEventType::kInitDone), Ignore, "team-a");
  EXPECT_FALSE(cache.Synced());
  cache.Apply(Ev(WatcherEventType::kInitBegin), Ignore, "team-b");
  cache.Apply(Ev(WatcherEventType::kInitDone), Ignore, "team-b");
  EXPECT_TRUE(cache.Synced());
}

TEST(ObjectKeyTest, ParsesNamespacedAndClusterKeys) {
  EXPECT_EQ(ObjectKey::Parse("ns/name"), (ObjectKey{"ns", "name"}));
  EXPECT_EQ(ObjectKey::Parse("name"), (ObjectKey{"", "name"}));
  EXPECT_EQ((ObjectKey{"ns", "n"}).String(), "ns/n");
}

}  // namespace
}  // namespace runledger::runtime
