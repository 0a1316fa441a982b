// The pure parts of a RetentionPolicy pass: when it is due, what a run's
// status.artifacts says, and the policy status it leaves.
#include "controllers/retention_status.h"

#include <gtest/gtest.h>

#include "runtime/time_format.h"

namespace runledger::controllers {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using Time = Clock::SystemTime;

const Time kNow = *runtime::ParseRfc3339("2026-12-04T12:00:00Z");

Schedule Every(const char* spec) {
  auto s = Schedule::Parse(spec);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

json Policy(int64_t generation, json status) {
  return {{"metadata", {{"generation", generation}, {"creationTimestamp", "2026-12-01T00:00:00Z"}}},
          {"status", std::move(status)}};
}

TEST(RetentionPassDueTest, FirstPassOfANewPolicyIsDueAtOnce) {
  const PassTiming t = PassDue(Policy(1, json()), Every("@every 1h"), kNow);
  EXPECT_TRUE(t.due);
  EXPECT_EQ(t.why, "spec changed");
}

TEST(RetentionPassDueTest, ScheduleCountsFromTheLastPass) {
  const json status = {{"observedGeneration", 3}, {"lastRunTime", "2026-12-04T11:30:00Z"}};
  const PassTiming waiting = PassDue(Policy(3, status), Every("@every 1h"), kNow);
  EXPECT_FALSE(waiting.due);
  EXPECT_EQ(waiting.next, kNow + minutes(30));
  const PassTiming due = PassDue(Policy(3, status), Every("@every 30m"), kNow);
  EXPECT_TRUE(due.due);
  EXPECT_EQ(due.why, "scheduled");
}

TEST(RetentionPassDueTest, AChangedSpecOrAnInterruptedPassIsDueNow) {
  const json done = {{"observedGeneration", 3}, {"lastRunTime", "2026-12-04T11:59:00Z"}};
  EXPECT_EQ(PassDue(Policy(4, done), Every("@daily"), kNow).why, "spec changed");
  json interrupted = done;
  interrupted["pass"] = {{"startedAt", "2026-12-04T11:59:00Z"}};
  EXPECT_EQ(PassDue(Policy(3, interrupted), Every("@daily"), kNow).why,
            "resuming an interrupted pass");
}

RunRetention Decision(std::string tier, std::optional<Time> expires) {
  RunRetention r;
  r.experiment = "e";
  r.run = "r";
  r.tier = std::move(tier);
  r.expires_at = expires;
  return r;
}

TEST(RetentionRunStatusTest, SaysTierExpiryClassAndWhere) {
  RunArtifactsFacts facts{"s3://b/p/ml/e/abc/", 3, 1200, "STANDARD_IA", false};
  EXPECT_EQ(RunArtifactsStatus(Decision("top", kNow + hours(48)), facts),
            json({{"uri", "s3://b/p/ml/e/abc/"},
                  {"count", 3},
                  {"bytes", 1200},
                  {"tier", "top"},
                  {"expiresAt", "2026-12-06T12:00:00Z"},
                  {"storageClass", "STANDARD_IA"},
                  {"deleted", false}}));
  const json forever = RunArtifactsStatus(Decision("promoted", std::nullopt), {});
  EXPECT_FALSE(forever.contains("expiresAt")) << "kept forever: no expiry";
  EXPECT_FALSE(forever.contains("storageClass"));
}

TEST(RetentionRunStatusTest, PatchesOnlyWhatChangedAndLeavesOthersFieldsAlone) {
  const json wanted = RunArtifactsStatus(Decision("promoted", std::nullopt),
                                         {"s3://b/ml/e/abc/", 3, 1200, "", false});
  json run = {{"status",
               {{"phase", "Succeeded"},
                {"artifacts",
                 {{"uri", "s3://b/ml/e/abc/"},
                  {"count", 3},
                  {"bytes", 1200},
                  {"deleted", false},
                  {"tier", "default"},
                  {"expiresAt", "2026-12-06T12:00:00Z"},
                  {"note", "not retention's"}}}}}};
  const auto patch = RunArtifactsPatch(run, wanted);
  ASSERT_TRUE(patch.has_value());
  EXPECT_EQ(*patch,
            json({{"status", {{"artifacts", {{"tier", "promoted"}, {"expiresAt", nullptr}}}}}}));
  run["status"]["artifacts"].merge_patch((*patch)["status"]["artifacts"]);
  EXPECT_FALSE(RunArtifactsPatch(run, wanted).has_value()) << "written once, then nothing";
}

RetentionPlan TwoTierPlan() {
  RetentionPlan plan;
  plan.evaluated = 5;
  plan.total = {.kept = 3, .transitioned = 1, .deleted = 1, .bytes_deleted = 900};
  plan.tiers = {{"top", {.kept = 2, .transitioned = 1}},
                {"default", {.kept = 1, .deleted = 1, .bytes_deleted = 900}}};
  RunRetention del = Decision("default", kNow - hours(1));
  del.action = RetentionAction::kDelete;
  del.bytes = 900;
  del.due_time = kNow - hours(1);
  plan.runs = {del};
  plan.preview = {del};
  plan.preview_total = 1;
  return plan;
}

TEST(RetentionPolicyStatusTest, APassRecordsCountsTimesAndReady) {
  const json s =
      PassStatus(json{{"pass", {{"deletes", 1}}}}, TwoTierPlan(), false, 7, kNow, kNow + hours(1));
  EXPECT_EQ(s["observedGeneration"], 7);
  EXPECT_EQ(s["lastRunTime"], "2026-12-04T12:00:00Z");
  EXPECT_EQ(s["nextRunTime"], "2026-12-04T13:00:00Z");
  EXPECT_EQ(s["lastRunDryRun"], false);
  EXPECT_FALSE(s.contains("pass")) << "the intent ends with the pass";
  EXPECT_FALSE(s.contains("preview")) << "the preview is for dry runs";
  EXPECT_EQ(s["summary"], json({{"evaluated", 5},
                                {"kept", 3},
                                {"transitioned", 1},
                                {"deleted", 1},
                                {"bytesDeleted", 900},
                                {"deferred", 0}}));
  EXPECT_EQ(s["tiers"][1], json({{"name", "default"},
                                 {"kept", 1},
                                 {"transitioned", 0},
                                 {"deleted", 1},
                                 {"bytesDeleted", 900}}));
  ASSERT_EQ(s["conditions"].size(), 1u);
  EXPECT_EQ(s["conditions"][0]["type"], "Ready");
  EXPECT_EQ(s["conditions"][0]["reason"], "Applied");
  EXPECT_EQ(s["conditions"][0]["message"],
            "5 finished runs: 1 lost their artifacts, 1 moved to a colder storage class, 3 kept");
}

TEST(RetentionPolicyStatusTest, ADryRunPublishesThePreview) {
  const json s = PassStatus(json(), TwoTierPlan(), true, 1, kNow, kNow + hours(1));
  EXPECT_EQ(s["lastRunDryRun"], true);
  EXPECT_EQ(s["previewTotal"], 1);
  EXPECT_EQ(s["preview"], json::array({{{"experiment", "e"},
                                        {"run", "r"},
                                        {"tier", "default"},
                                        {"action", "Delete"},
                                        {"bytes", 900},
                                        {"dueTime", "2026-12-04T11:00:00Z"}}}));
  EXPECT_EQ(s["conditions"][0]["reason"], "DryRun");
}

TEST(RetentionPolicyStatusTest, ATrippedValveIsStalledUntilItNoLongerTrips) {
  RetentionPlan plan = TwoTierPlan();
  plan.deferred = 4;
  plan.valves = {{.namespace_name = "ml", .experiment = "e", .message = "e: 5 deletions due"}};
  const json stalled = PassStatus(json(), plan, false, 1, kNow, kNow + hours(1));
  ASSERT_EQ(stalled["conditions"].size(), 2u);
  EXPECT_EQ(stalled["conditions"][1]["type"], "Stalled");
  EXPECT_EQ(stalled["conditions"][1]["reason"], "SafetyValve");
  EXPECT_EQ(stalled["conditions"][1]["message"], "e: 5 deletions due");
  const json clear = PassStatus(stalled, TwoTierPlan(), false, 1, kNow, kNow + hours(1));
  ASSERT_EQ(clear["conditions"].size(), 1u);
  EXPECT_EQ(clear["conditions"][0]["type"], "Ready");
}

TEST(RetentionPolicyStatusTest, AFailedPassKeepsItsIntentForTheRetry) {
  const json old = {{"pass", {{"deletes", 3}}}, {"lastRunTime", "2026-12-04T11:00:00Z"}};
  const json s =
      FailedPassStatus(old, "ObjectStoreUnavailable", "connection refused", false, 2, kNow);
  EXPECT_EQ(s["pass"], old["pass"]);
  EXPECT_EQ(s["lastRunTime"], old["lastRunTime"]);
  ASSERT_EQ(s["conditions"].size(), 1u);
  EXPECT_EQ(s["conditions"][0]["status"], "False");
  EXPECT_EQ(s["conditions"][0]["reason"], "ObjectStoreUnavailable");
  const json invalid = FailedPassStatus(json(), "InvalidSpec", "spec.tiers: empty", true, 2, kNow);
  ASSERT_EQ(invalid["conditions"].size(), 2u);
  EXPECT_EQ(invalid["conditions"][1]["type"], "Stalled");
  // The spec fixed, the store away: the old Stalled goes, Ready says why.
  const json unavailable =
      FailedPassStatus(invalid, "ObjectStoreUnavailable", "connection refused", false, 3, kNow);
  ASSERT_EQ(unavailable["conditions"].size(), 1u);
  EXPECT_EQ(unavailable["conditions"][0]["type"], "Ready");
  EXPECT_EQ(unavailable["conditions"][0]["reason"], "ObjectStoreUnavailable");
}

}  // namespace
}  // namespace runledger::controllers
