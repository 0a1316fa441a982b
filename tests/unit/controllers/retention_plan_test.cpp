// The RetentionPolicy decision as tables of runs -> plan, and its parsers.
#include "controllers/retention_plan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <ostream>

namespace runledger::controllers {

void PrintTo(RetentionAction action, std::ostream* os) { *os << RetentionActionName(action); }

namespace {

using nlohmann::json;
using std::chrono::hours;
using Time = Clock::SystemTime;

const Time kNow = FakeClock().SystemNow();
constexpr hours kDay(24);

RetentionRun FinishedRun(std::string name, hours completed_ago, std::optional<double> metric = {},
                         std::string phase = "Succeeded") {
  RetentionRun r;
  r.name = std::move(name);
  r.phase = std::move(phase);
  r.completion_time = kNow - completed_ago;
  r.metric = metric;
  r.has_artifacts = true;
  r.bytes = 1000;
  r.objects = 3;
  return r;
}

RetentionTier Tier(std::string name, std::optional<TierMatch> match, std::optional<hours> keep,
                   std::vector<StorageTransition> transitions = {}) {
  return {std::move(name), std::move(match), keep, std::move(transitions)};
}

TierMatch TopN(int n) { return {.top_n = n}; }
TierMatch TopPercent(int p) { return {.top_percent = p}; }

// A policy whose valve lets every deletion through unless a test says otherwise.
RetentionPolicySpec Policy(std::vector<RetentionTier> tiers) {
  RetentionPolicySpec p;
  p.tiers = std::move(tiers);
  p.max_delete_percent = 100;
  return p;
}

RetentionExperiment Exp(std::vector<RetentionRun> runs, MetricGoal goal = MetricGoal::kMaximize,
                        std::string name = "e") {
  return {.namespace_name = "ml",
          .name = std::move(name),
          .goal = goal,
          .metric = "auc",
          .runs = std::move(runs)};
}

RetentionPlan Decide(RetentionPolicySpec policy, std::vector<RetentionExperiment> experiments,
                     Time now = kNow) {
  return DecideRetention({std::move(policy), std::move(experiments), now});
}

// A copy, so that Find(Decide(...), ...) outlives the plan.
RunRetention Find(const RetentionPlan& plan, const std::string& run) {
  for (const RunRetention& r : plan.runs) {
    if (r.run == run) return r;
  }
  ADD_FAILURE() << "no run " << run;
  return {};
}

// top (kept forever) over a catch-all that has long expired every run here.
RetentionPolicySpec TopOverExpired(TierMatch match) {
  return Policy({Tier("top", match, std::nullopt), Tier("rest", std::nullopt, hours(1))});
}

// ---- Ranking ----

TEST(RetentionRankingTest, TopNTakesEveryRunTiedWithTheLastOne) {
  auto plan = Decide(TopOverExpired(TopN(2)),
                     {Exp({FinishedRun("a", 10 * kDay, 0.9), FinishedRun("b", 10 * kDay, 0.8),
                           FinishedRun("c", 10 * kDay, 0.8), FinishedRun("d", 10 * kDay, 0.7)})});
  EXPECT_EQ(Find(plan, "a").tier, "top");
  EXPECT_EQ(Find(plan, "b").tier, "top");
  EXPECT_EQ(Find(plan, "c").tier, "top");
  EXPECT_EQ(Find(plan, "d").tier, "rest");
  EXPECT_EQ(Find(plan, "d").action, RetentionAction::kDelete);
}

TEST(RetentionRankingTest, TopNLargerThanTheExperimentTakesAll) {
  auto plan = Decide(TopOverExpired(TopN(50)),
                     {Exp({FinishedRun("a", 10 * kDay, 0.1), FinishedRun("b", 10 * kDay, 0.2)})});
  EXPECT_EQ(Find(plan, "a").tier, "top");
  EXPECT_EQ(Find(plan, "b").tier, "top");
}

TEST(RetentionRankingTest, TopPercentRoundsUp) {
  // 25% of 10 is 2.5: the best 3.
  std::vector<RetentionRun> runs;
  for (int i = 0; i < 10; ++i) runs.push_back(FinishedRun("r" + std::to_string(i), 10 * kDay, i));
  auto plan = Decide(TopOverExpired(TopPercent(25)), {Exp(runs)});
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Find(plan, "r" + std::to_string(i)).tier, i >= 7 ? "top" : "rest") << i;
  }
}

TEST(RetentionRankingTest, TopPercentTakesEveryRunTiedAtTheBoundary) {
  // 50% of 4 is the best 2; c ties with b.
  auto plan = Decide(TopOverExpired(TopPercent(50)),
                     {Exp({FinishedRun("a", 10 * kDay, 0.9), FinishedRun("b", 10 * kDay, 0.5),
                           FinishedRun("c", 10 * kDay, 0.5), FinishedRun("d", 10 * kDay, 0.1)})});
  EXPECT_EQ(Find(plan, "b").tier, "top");
  EXPECT_EQ(Find(plan, "c").tier, "top");
  EXPECT_EQ(Find(plan, "d").tier, "rest");
}

TEST(RetentionRankingTest, TopPercentIsOfTheRunsThatHaveTheMetric) {
  // Two runs with the metric and four without: 50% is one run, not three.
  auto plan =
      Decide(TopOverExpired(TopPercent(50)),
             {Exp({FinishedRun("a", 10 * kDay, 0.9), FinishedRun("b", 10 * kDay, 0.5),
                   FinishedRun("n1", 10 * kDay), FinishedRun("n2", 10 * kDay),
                   FinishedRun("n3", 10 * kDay), FinishedRun("n4", 10 * kDay, std::nan(""))})});
  EXPECT_EQ(Find(plan, "a").tier, "top");
  EXPECT_EQ(Find(plan, "b").tier, "rest");
}

TEST(RetentionRankingTest, MinimizeRanksTheLowestBest) {
  auto plan = Decide(TopOverExpired(TopN(1)),
                     {Exp({FinishedRun("a", 10 * kDay, 0.9), FinishedRun("b", 10 * kDay, 0.1)},
                          MetricGoal::kMinimize)});
  EXPECT_EQ(Find(plan, "b").tier, "top");
  EXPECT_EQ(Find(plan, "a").tier, "rest");
}

TEST(RetentionRankingTest, RunWithoutTheMetricFallsToTheCatchAll) {
  auto plan = Decide(TopOverExpired(TopPercent(100)),
                     {Exp({FinishedRun("a", 10 * kDay, 0.9), FinishedRun("none", 10 * kDay)})});
  EXPECT_EQ(Find(plan, "a").tier, "top");
  EXPECT_EQ(Find(plan, "none").tier, "rest");
  EXPECT_EQ(Find(plan, "none").action, RetentionAction::kDelete);
}

TEST(RetentionRankingTest, NaNCountsAsMissing) {
  auto plan = Decide(
      TopOverExpired(TopN(5)),
      {Exp({FinishedRun("a", 10 * kDay, 0.9), FinishedRun("nan", 10 * kDay, std::nan(""))})});
  EXPECT_EQ(Find(plan, "nan").tier, "rest");
}

TEST(RetentionRankingTest, EmptyMetricKeyMatchesNoTopTier) {
  RetentionExperiment e = Exp({FinishedRun("a", 10 * kDay, 0.9)});
  e.metric = "";
  auto plan = Decide(TopOverExpired(TopN(5)), {e});
  EXPECT_EQ(Find(plan, "a").tier, "rest");
}

TEST(RetentionRankingTest, UnfinishedRunsDoNotTakeARank) {
  RetentionRun running = FinishedRun("running", 10 * kDay, 0.99, "Running");
  auto plan = Decide(TopOverExpired(TopN(1)), {Exp({running, FinishedRun("a", 10 * kDay, 0.5)})});
  EXPECT_EQ(Find(plan, "a").tier, "top");
}

TEST(RetentionRankingTest, FailedRunsAreRankedToo) {
  auto plan =
      Decide(TopOverExpired(TopN(1)),
             {Exp({FinishedRun("f", 10 * kDay, 0.9, "Failed"), FinishedRun("s", 10 * kDay, 0.5)})});
  EXPECT_EQ(Find(plan, "f").tier, "top");
  EXPECT_EQ(Find(plan, "s").tier, "rest");
}

// ---- Tiers ----

TEST(RetentionTierTest, EveryCriterionMustHold) {
  TierMatch failed_promoted{.promoted = true, .phase = "Failed"};
  RetentionRun promoted_failed = FinishedRun("pf", 10 * kDay, {}, "Failed");
  promoted_failed.promoted = true;
  RetentionRun promoted_succeeded = FinishedRun("ps", 10 * kDay);
  promoted_succeeded.promoted = true;
  auto plan = Decide(
      TopOverExpired(failed_promoted),
      {Exp({promoted_failed, promoted_succeeded, FinishedRun("f", 10 * kDay, {}, "Failed")})});
  EXPECT_EQ(Find(plan, "pf").tier, "top");
  EXPECT_EQ(Find(plan, "ps").tier, "rest");
  EXPECT_EQ(Find(plan, "f").tier, "rest");
}

TEST(RetentionTierTest, PromotedFalseTakesRunsNotPromoted) {
  RetentionRun promoted = FinishedRun("p", 10 * kDay);
  promoted.promoted = true;
  auto plan =
      Decide(TopOverExpired({.promoted = false}), {Exp({promoted, FinishedRun("u", 10 * kDay)})});
  EXPECT_EQ(Find(plan, "u").tier, "top");
  EXPECT_EQ(Find(plan, "p").tier, "rest");
}

TEST(RetentionTierTest, FirstMatchingTierWins) {
  auto policy =
      Policy({Tier("failed", TierMatch{.phase = "Failed"}, 2 * kDay),
              Tier("best", TopN(1), std::nullopt), Tier("rest", std::nullopt, 30 * kDay)});
  auto plan = Decide(
      policy, {Exp({FinishedRun("f", 5 * kDay, 0.99, "Failed"), FinishedRun("s", 5 * kDay, 0.5)})});
  EXPECT_EQ(Find(plan, "f").tier, "failed");
  EXPECT_EQ(Find(plan, "f").action, RetentionAction::kDelete);
  // f takes the top rank but went to an earlier tier: the rank is not passed on.
  EXPECT_EQ(Find(plan, "s").tier, "rest");
}

TEST(RetentionTierTest, PromotedTierKeepsForever) {
  auto policy = Policy({Tier("promoted", TierMatch{.promoted = true}, std::nullopt),
                        Tier("rest", std::nullopt, hours(1))});
  RetentionRun old = FinishedRun("old", 1000 * kDay);
  old.promoted = true;
  const RunRetention& r = Find(Decide(policy, {Exp({old})}), "old");
  EXPECT_EQ(r.tier, "promoted");
  EXPECT_EQ(r.action, RetentionAction::kNone);
  EXPECT_FALSE(r.expires_at);
  EXPECT_FALSE(r.next_due);
  EXPECT_EQ(r.protected_reason, "");
}

TEST(RetentionTierTest, NoTierMatchingKeepsTheRunAndSaysWhy) {
  // The CRD forbids a policy without a catch-all; the decision still copes.
  auto policy = Policy({Tier("failed", TierMatch{.phase = "Failed"}, hours(1))});
  const RunRetention& r = Find(Decide(policy, {Exp({FinishedRun("s", 10 * kDay)})}), "s");
  EXPECT_EQ(r.tier, "");
  EXPECT_EQ(r.action, RetentionAction::kNone);
  EXPECT_EQ(r.protected_reason, "no tier matches it, so it is kept");
}

// ---- Expiry and transitions ----

RetentionPolicySpec ThirtyDays(std::vector<StorageTransition> transitions = {}) {
  return Policy({Tier("default", std::nullopt, 30 * kDay, std::move(transitions))});
}

TEST(RetentionExpiryTest, ExpiredRunIsDeleted) {
  const RunRetention& r = Find(Decide(ThirtyDays(), {Exp({FinishedRun("a", 31 * kDay)})}), "a");
  EXPECT_EQ(r.action, RetentionAction::kDelete);
  EXPECT_EQ(r.expires_at, kNow - kDay);
  EXPECT_EQ(r.due_time, kNow - kDay);
  EXPECT_EQ(r.bytes, 1000);
  EXPECT_EQ(r.objects, 3);
  EXPECT_FALSE(r.next_due);
}

TEST(RetentionExpiryTest, ExpiryIsInclusive) {
  EXPECT_EQ(Find(Decide(ThirtyDays(), {Exp({FinishedRun("a", 30 * kDay)})}), "a").action,
            RetentionAction::kDelete);
}

TEST(RetentionExpiryTest, UnexpiredRunIsKeptUntilItsExpiry) {
  const RunRetention& r = Find(Decide(ThirtyDays(), {Exp({FinishedRun("a", 10 * kDay)})}), "a");
  EXPECT_EQ(r.action, RetentionAction::kNone);
  EXPECT_EQ(r.expires_at, kNow + 20 * kDay);
  EXPECT_EQ(r.next_due, kNow + 20 * kDay);
  EXPECT_FALSE(r.due_time);
}

TEST(RetentionExpiryTest, KeepPastTheEndOfTheClockNeverExpires) {
  auto policy = Policy({Tier("default", std::nullopt, 99999 * kDay)});
  const RunRetention& r = Find(Decide(policy, {Exp({FinishedRun("a", 10 * kDay)})}), "a");
  EXPECT_FALSE(r.expires_at);
  EXPECT_FALSE(r.next_due);
}

TEST(RetentionExpiryTest, DeletedArtifactsAreNotDeletedAgain) {
  RetentionRun gone = FinishedRun("gone", 31 * kDay);
  gone.artifacts_deleted = true;
  auto plan = Decide(ThirtyDays(), {Exp({gone})});
  EXPECT_EQ(Find(plan, "gone").action, RetentionAction::kNone);
  EXPECT_EQ(plan.total, RetentionCounts{});
  EXPECT_EQ(plan.evaluated, 1);
}

TEST(RetentionExpiryTest, RunWithoutArtifactsHasNothingToDo) {
  RetentionRun none = FinishedRun("none", 31 * kDay);
  none.has_artifacts = false;
  EXPECT_EQ(Find(Decide(ThirtyDays(), {Exp({none})}), "none").action, RetentionAction::kNone);
}

const std::vector<StorageTransition> kColder = {{10 * kDay, "GLACIER_IR"},
                                                {20 * kDay, "DEEP_ARCHIVE"}};

TEST(RetentionTransitionTest, DueTransitionMovesToItsClass) {
  const RunRetention& r =
      Find(Decide(ThirtyDays(kColder), {Exp({FinishedRun("a", 12 * kDay)})}), "a");
  EXPECT_EQ(r.action, RetentionAction::kTransition);
  EXPECT_EQ(r.storage_class, "GLACIER_IR");
  EXPECT_EQ(r.due_time, kNow - 2 * kDay);
  EXPECT_EQ(r.next_due, kNow + 8 * kDay);  // DEEP_ARCHIVE at 20 days.
}

TEST(RetentionTransitionTest, TransitionNotYetDueWaits) {
  const RunRetention& r =
      Find(Decide(ThirtyDays(kColder), {Exp({FinishedRun("a", 5 * kDay)})}), "a");
  EXPECT_EQ(r.action, RetentionAction::kNone);
  EXPECT_EQ(r.next_due, kNow + 5 * kDay);
}

TEST(RetentionTransitionTest, GoesStraightToTheLastPassedClass) {
  const RunRetention& r =
      Find(Decide(ThirtyDays(kColder), {Exp({FinishedRun("a", 25 * kDay)})}), "a");
  EXPECT_EQ(r.action, RetentionAction::kTransition);
  EXPECT_EQ(r.storage_class, "DEEP_ARCHIVE");
  EXPECT_EQ(r.due_time, kNow - 5 * kDay);
  EXPECT_EQ(r.next_due, kNow + 5 * kDay);  // The expiry.
}

TEST(RetentionTransitionTest, AlreadyInTheClassStays) {
  RetentionRun there = FinishedRun("a", 12 * kDay);
  there.storage_class = "GLACIER_IR";
  const RunRetention& r = Find(Decide(ThirtyDays(kColder), {Exp({there})}), "a");
  EXPECT_EQ(r.action, RetentionAction::kNone);
  EXPECT_EQ(r.next_due, kNow + 8 * kDay);
}

TEST(RetentionTransitionTest, NeverMovesBackToAWarmerClass) {
  RetentionRun colder = FinishedRun("a", 12 * kDay);
  colder.storage_class = "DEEP_ARCHIVE";
  const RunRetention& r = Find(Decide(ThirtyDays(kColder), {Exp({colder})}), "a");
  EXPECT_EQ(r.action, RetentionAction::kNone);
  EXPECT_EQ(r.next_due, kNow + 18 * kDay);  // Only the expiry is left.
}

TEST(RetentionTransitionTest, ExplicitStandardIsTheWarmest) {
  RetentionRun standard = FinishedRun("a", 12 * kDay);
  standard.storage_class = "STANDARD";
  EXPECT_EQ(Find(Decide(ThirtyDays(kColder), {Exp({standard})}), "a").action,
            RetentionAction::kTransition);
}

TEST(RetentionTransitionTest, ClassTheTierDoesNotListIsLeftAlone) {
  RetentionRun archived = FinishedRun("a", 25 * kDay);
  archived.storage_class = "GLACIER";
  const RunRetention& r = Find(Decide(ThirtyDays(kColder), {Exp({archived})}), "a");
  EXPECT_EQ(r.action, RetentionAction::kNone);
  EXPECT_EQ(r.next_due, kNow + 5 * kDay);
}

TEST(RetentionTransitionTest, ExpiredRunIsDeletedNotTransitioned) {
  EXPECT_EQ(Find(Decide(ThirtyDays(kColder), {Exp({FinishedRun("a", 40 * kDay)})}), "a").action,
            RetentionAction::kDelete);
}

TEST(RetentionTransitionTest, StoreWithoutStorageClassesIsNeverTransitioned) {
  RetentionExperiment files = Exp({FinishedRun("a", 12 * kDay), FinishedRun("b", 31 * kDay)});
  files.has_storage_classes = false;
  auto plan = Decide(ThirtyDays(kColder), {files});
  EXPECT_EQ(Find(plan, "a").action, RetentionAction::kNone);
  EXPECT_EQ(Find(plan, "a").next_due, kNow + 18 * kDay);  // Its expiry.
  EXPECT_EQ(Find(plan, "b").action, RetentionAction::kDelete);
}

// ---- Protection ----

TEST(RetentionProtectionTest, LegalHoldKeepsAnExpiredRun) {
  RetentionRun held = FinishedRun("held", 100 * kDay);
  held.legal_hold = true;
  const RunRetention& r = Find(Decide(ThirtyDays(kColder), {Exp({held})}), "held");
  EXPECT_EQ(r.action, RetentionAction::kNone);
  EXPECT_EQ(r.tier, "default");
  EXPECT_EQ(r.expires_at, kNow - 70 * kDay);
  EXPECT_EQ(r.protected_reason, "under legal hold (runledger.dev/legal-hold=true)");
  EXPECT_FALSE(r.next_due);
}

TEST(RetentionProtectionTest, UnfinishedRunsAreLeftAlone) {
  for (const char* phase : {"Running", "Pending", ""}) {
    SCOPED_TRACE(phase);
    const RunRetention& r =
        Find(Decide(ThirtyDays(), {Exp({FinishedRun("r", 100 * kDay, 0.5, phase)})}), "r");
    EXPECT_EQ(r.action, RetentionAction::kNone);
    EXPECT_EQ(r.tier, "");
    EXPECT_EQ(r.protected_reason, "not finished: phase is \"" + std::string(phase) + "\"");
  }
  EXPECT_EQ(Decide(ThirtyDays(), {Exp({FinishedRun("r", 100 * kDay, 0.5, "Running")})}).evaluated,
            0);
}

TEST(RetentionProtectionTest, YoungRunWaitsForMinAge) {
  // Keep 1h, but runs younger than min_age (24h) are never touched.
  auto policy = Policy({Tier("short", std::nullopt, hours(1))});
  const RunRetention& r = Find(Decide(policy, {Exp({FinishedRun("young", hours(2))})}), "young");
  EXPECT_EQ(r.action, RetentionAction::kNone);
  EXPECT_EQ(r.expires_at, kNow - hours(1));
  EXPECT_EQ(r.protected_reason, "completed less than safety.minRunAge (24h) ago");
  EXPECT_EQ(r.next_due, kNow + hours(22));

  const RunRetention& later =
      Find(Decide(policy, {Exp({FinishedRun("young", hours(2))})}, kNow + hours(22)), "young");
  EXPECT_EQ(later.action, RetentionAction::kDelete);
  EXPECT_EQ(later.due_time, kNow + hours(22));  // min_age, not the earlier expiry.
  EXPECT_EQ(later.protected_reason, "");
}

TEST(RetentionProtectionTest, CompletionInTheFutureIsYoung) {
  EXPECT_EQ(
      Find(Decide(ThirtyDays(), {Exp({FinishedRun("skew", -hours(1))})}), "skew").protected_reason,
      "completed less than safety.minRunAge (24h) ago");
}

TEST(RetentionProtectionTest, NoCompletionTimeIsLeftAlone) {
  RetentionRun unknown = FinishedRun("u", 100 * kDay);
  unknown.completion_time.reset();
  const RunRetention& r = Find(Decide(ThirtyDays(), {Exp({unknown})}), "u");
  EXPECT_EQ(r.action, RetentionAction::kNone);
  EXPECT_EQ(r.tier, "default");
  EXPECT_FALSE(r.expires_at);
  EXPECT_EQ(r.protected_reason, "finished without a completion time");
}

// ---- The safety valve ----

// Ten runs with artifacts, of which the five completed 31..35 days ago expired.
std::vector<RetentionRun> FiveOfTenExpired() {
  std::vector<RetentionRun> runs;
  for (int i = 0; i < 10; ++i) {
    runs.push_back(FinishedRun("r" + std::to_string(i), (i < 5 ? 31 + i : 1 + i) * kDay));
  }
  return runs;
}

TEST(RetentionValveTest, DefersDeletionsBeyondThePercentOldestExpiryFirst) {
  RetentionPolicySpec policy = ThirtyDays();
  policy.max_delete_percent = 20;  // 2 of 10.
  auto plan = Decide(policy, {Exp(FiveOfTenExpired())});
  EXPECT_EQ(Find(plan, "r4").action, RetentionAction::kDelete);
  EXPECT_EQ(Find(plan, "r3").action, RetentionAction::kDelete);
  for (const char* deferred : {"r0", "r1", "r2"}) {
    const RunRetention& r = Find(plan, deferred);
    EXPECT_EQ(r.action, RetentionAction::kDeferredDelete) << deferred;
    EXPECT_EQ(r.next_due, r.due_time) << deferred;
  }
  EXPECT_EQ(plan.deferred, 3);
  ASSERT_EQ(plan.valves.size(), 1u);
  const SafetyValve& v = plan.valves[0];
  EXPECT_EQ(v.with_artifacts, 10);
  EXPECT_EQ(v.cap, 2);
  EXPECT_EQ(v.due, 5);
  EXPECT_EQ(v.deferred, 3);
  EXPECT_EQ(v.message,
            "experiment ml/e: 5 artifact deletions are due, safety.maxDeletePercentPerRun allows 2 "
            "per pass (20% of 10 runs with artifacts, rounded down, at least one); 3 deferred to "
            "later passes");
  EXPECT_EQ(plan.total, (RetentionCounts{.kept = 8, .deleted = 2, .bytes_deleted = 2000}));
  EXPECT_EQ(plan.preview_total, 2);
}

TEST(RetentionValveTest, EqualExpiriesGoInNameOrder) {
  RetentionPolicySpec policy = ThirtyDays();
  policy.max_delete_percent = 50;
  auto plan = Decide(policy, {Exp({FinishedRun("c", 31 * kDay), FinishedRun("a", 31 * kDay),
                                   FinishedRun("b", 31 * kDay), FinishedRun("d", 31 * kDay)})});
  EXPECT_EQ(Find(plan, "a").action, RetentionAction::kDelete);
  EXPECT_EQ(Find(plan, "b").action, RetentionAction::kDelete);
  EXPECT_EQ(Find(plan, "c").action, RetentionAction::kDeferredDelete);
  EXPECT_EQ(Find(plan, "d").action, RetentionAction::kDeferredDelete);
}

TEST(RetentionValveTest, DoesNotTripWithinThePercent) {
  RetentionPolicySpec policy = ThirtyDays();
  policy.max_delete_percent = 50;
  auto plan = Decide(policy, {Exp(FiveOfTenExpired())});
  EXPECT_EQ(plan.deferred, 0);
  EXPECT_EQ(plan.valves[0].message, "");
  EXPECT_EQ(plan.total.deleted, 5);
}

TEST(RetentionValveTest, AllowsOneDeletionInASmallExperiment) {
  RetentionPolicySpec policy = ThirtyDays();
  policy.max_delete_percent = 20;  // 20% of 3 rounds down to 0.
  auto plan = Decide(
      policy,
      {Exp({FinishedRun("a", 31 * kDay), FinishedRun("b", 32 * kDay), FinishedRun("c", kDay)})});
  EXPECT_EQ(plan.valves[0].cap, 1);
  EXPECT_EQ(Find(plan, "b").action, RetentionAction::kDelete);
  EXPECT_EQ(Find(plan, "a").action, RetentionAction::kDeferredDelete);
}

TEST(RetentionValveTest, CountsOnlyArtifactsNotYetDeleted) {
  RetentionPolicySpec policy = ThirtyDays();
  policy.max_delete_percent = 50;
  std::vector<RetentionRun> runs = FiveOfTenExpired();
  for (int i = 5; i < 9; ++i) runs[i].artifacts_deleted = true;
  // A running run's artifacts count too: 7 in all, so 3 per pass.
  runs.push_back(FinishedRun("running", 100 * kDay, {}, "Running"));
  auto plan = Decide(policy, {Exp(runs)});
  EXPECT_EQ(plan.valves[0].with_artifacts, 7);
  EXPECT_EQ(plan.valves[0].cap, 3);
  EXPECT_EQ(plan.deferred, 2);
}

TEST(RetentionValveTest, IsPerExperiment) {
  RetentionPolicySpec policy = ThirtyDays();
  policy.max_delete_percent = 20;
  auto plan = Decide(policy, {Exp(FiveOfTenExpired(), MetricGoal::kMaximize, "x"),
                              Exp({FinishedRun("only", 31 * kDay)}, MetricGoal::kMaximize, "y")});
  ASSERT_EQ(plan.valves.size(), 2u);
  EXPECT_EQ(plan.valves[0].experiment, "x");
  EXPECT_EQ(plan.valves[0].deferred, 3);
  EXPECT_EQ(plan.valves[1].experiment, "y");
  EXPECT_EQ(plan.valves[1].deferred, 0);
  EXPECT_EQ(plan.total.deleted, 3);
}

TEST(RetentionValveTest, TransitionsAreNotCapped) {
  RetentionPolicySpec policy = ThirtyDays(kColder);
  policy.max_delete_percent = 1;
  std::vector<RetentionRun> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(FinishedRun("r" + std::to_string(i), 12 * kDay));
  EXPECT_EQ(Decide(policy, {Exp(runs)}).total.transitioned, 5);
}

// ---- The plan as a whole ----

TEST(RetentionPlanTest, DryRunDoesNotChangeThePlan) {
  RetentionPolicySpec policy = ThirtyDays(kColder);
  policy.max_delete_percent = 20;
  auto real = Decide(policy, {Exp(FiveOfTenExpired())});
  policy.dry_run = true;
  EXPECT_EQ(Decide(policy, {Exp(FiveOfTenExpired())}), real);
}

TEST(RetentionPlanTest, CountsPerTier) {
  auto policy =
      Policy({Tier("top", TopN(1), std::nullopt), Tier("rest", std::nullopt, 30 * kDay, kColder)});
  RetentionRun gone = FinishedRun("gone", 40 * kDay);
  gone.artifacts_deleted = true;
  RetentionRun big = FinishedRun("old", 40 * kDay);
  big.bytes = 5000;
  RetentionRun unknown_size = FinishedRun("old2", 40 * kDay);
  unknown_size.bytes.reset();
  auto plan = Decide(policy, {Exp({FinishedRun("best", 40 * kDay, 1.0), big, unknown_size,
                                   FinishedRun("mid", 12 * kDay), FinishedRun("new", 2 * kDay),
                                   gone, FinishedRun("running", kDay, {}, "Running")})});
  ASSERT_EQ(plan.tiers.size(), 2u);
  EXPECT_EQ(plan.tiers[0], (TierCounts{"top", {.kept = 1}}));
  EXPECT_EQ(
      plan.tiers[1],
      (TierCounts{"rest", {.kept = 1, .transitioned = 1, .deleted = 2, .bytes_deleted = 5000}}));
  EXPECT_EQ(plan.total,
            (RetentionCounts{.kept = 2, .transitioned = 1, .deleted = 2, .bytes_deleted = 5000}));
  EXPECT_EQ(plan.evaluated, 6);
  EXPECT_EQ(plan.next_due, kNow + 8 * kDay);  // new's first transition.
}

TEST(RetentionPlanTest, RunsAreOrderedByExperimentThenName) {
  auto plan =
      Decide(ThirtyDays(),
             {Exp({FinishedRun("b", kDay), FinishedRun("a", kDay)}, MetricGoal::kMaximize, "z"),
              Exp({FinishedRun("c", kDay)}, MetricGoal::kMaximize, "y")});
  ASSERT_EQ(plan.runs.size(), 3u);
  EXPECT_EQ(plan.runs[0].experiment + "/" + plan.runs[0].run, "y/c");
  EXPECT_EQ(plan.runs[1].experiment + "/" + plan.runs[1].run, "z/a");
  EXPECT_EQ(plan.runs[2].experiment + "/" + plan.runs[2].run, "z/b");
}

TEST(RetentionPlanTest, PreviewIsSoonestFirstAndCapped) {
  std::vector<RetentionRun> runs;
  for (int i = 0; i < 150; ++i) {
    runs.push_back(FinishedRun("r" + std::to_string(1000 + i), 31 * kDay + hours(i)));
  }
  runs.push_back(FinishedRun("transition", 12 * kDay));  // Due later than the first 100 deletions.
  auto plan = Decide(ThirtyDays(kColder), {Exp(runs)});
  EXPECT_EQ(plan.preview_total, 151);
  ASSERT_EQ(plan.preview.size(), kRetentionPreviewLimit);
  EXPECT_EQ(plan.preview[0].run, "r1149");  // Expired longest ago.
  EXPECT_EQ(plan.preview[99].run, "r1050");
  for (size_t i = 1; i < plan.preview.size(); ++i) {
    EXPECT_LE(plan.preview[i - 1].due_time, plan.preview[i].due_time);
  }
}

TEST(RetentionPlanTest, PreviewLeavesOutDeferredDeletions) {
  RetentionPolicySpec policy = ThirtyDays();
  policy.max_delete_percent = 20;
  auto plan = Decide(policy, {Exp(FiveOfTenExpired())});
  ASSERT_EQ(plan.preview.size(), 2u);
  EXPECT_EQ(plan.preview[0].run, "r4");
  EXPECT_EQ(plan.preview[1].run, "r3");
  EXPECT_EQ(RetentionActionName(plan.preview[0].action), "Delete");
}

// ---- Parsers ----

TEST(RetentionParseTest, KeepForms) {
  EXPECT_EQ(*ParseKeep("forever", "keep"), std::nullopt);
  EXPECT_EQ(*ParseKeep("72h", "keep"), hours(72));
  EXPECT_EQ(*ParseKeep("30d", "keep"), hours(720));
  EXPECT_EQ(*ParseKeep("99999d", "keep"), hours(99999 * 24));
}

TEST(RetentionParseTest, BadKeepNamesTheField) {
  for (const char* bad :
       {"", "h", "0h", "01d", "3x", "1.5d", "-1h", "100000h", "30D", "Forever", " 1h"}) {
    SCOPED_TRACE(bad);
    auto r = ParseKeep(bad, "spec.tiers[1].keep");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind("spec.tiers[1].keep: \"", 0), 0u) << r.status().message();
  }
}

TEST(RetentionParseTest, HoursOrDaysRefusesForever) {
  auto r = ParseHoursOrDays("forever", "spec.tiers[0].transitions[0].after");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "spec.tiers[0].transitions[0].after: \"forever\" is not a number of hours or days from "
            "1 to 99999, such as 72h or 30d");
  EXPECT_EQ(*ParseHoursOrDays("2d", "x"), hours(48));
}

TEST(RetentionParseTest, ParsesTheSample) {
  // crds/samples/retentionpolicy.yaml's spec.
  auto policy = ParseRetentionPolicySpec(json::parse(R"({
    "experimentSelector": {"matchLabels": {"team": "recsys"}},
    "schedule": "@every 1h",
    "dryRun": false,
    "tiers": [
      {"name": "promoted", "match": {"promoted": true}, "keep": "forever"},
      {"name": "top", "match": {"topPercent": 10}, "keep": "180d",
       "transitions": [{"after": "30d", "storageClass": "STANDARD_IA"},
                       {"after": "90d", "storageClass": "GLACIER_IR"}]},
      {"name": "failed", "match": {"phase": "Failed"}, "keep": "7d"},
      {"name": "default", "keep": "30d"}],
    "safety": {"maxDeletePercentPerRun": 20}})"));
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  RetentionPolicySpec want;
  want.tiers = {Tier("promoted", TierMatch{.promoted = true}, std::nullopt),
                Tier("top", TopPercent(10), 180 * kDay,
                     {{30 * kDay, "STANDARD_IA"}, {90 * kDay, "GLACIER_IR"}}),
                Tier("failed", TierMatch{.phase = "Failed"}, 7 * kDay),
                Tier("default", std::nullopt, 30 * kDay)};
  EXPECT_EQ(*policy, want);
}

TEST(RetentionParseTest, Defaults) {
  auto policy =
      ParseRetentionPolicySpec(json::parse(R"({"tiers": [{"name": "all", "keep": "1d"}]})"));
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->max_delete_percent, 20);
  EXPECT_EQ(policy->min_age, hours(24));
  EXPECT_FALSE(policy->dry_run);
}

TEST(RetentionParseTest, SafetyAndDryRun) {
  auto policy = ParseRetentionPolicySpec(json::parse(R"({
    "dryRun": true, "tiers": [{"name": "all", "keep": "1d"}],
    "safety": {"maxDeletePercentPerRun": 100, "minRunAge": "2d"}})"));
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->max_delete_percent, 100);
  EXPECT_EQ(policy->min_age, hours(48));
  EXPECT_TRUE(policy->dry_run);
}

TEST(RetentionParseTest, MinRunAgeZeroDisablesTheWait) {
  auto policy = ParseRetentionPolicySpec(
      json::parse(R"({"tiers": [{"name": "all", "keep": "1d"}], "safety": {"minRunAge": "0"}})"));
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->min_age, hours(0));
}

TEST(RetentionParseTest, InfrequentAccessNeedsThirtyDays) {
  for (const char* storage_class : {"STANDARD_IA", "ONEZONE_IA"}) {
    SCOPED_TRACE(storage_class);
    const json transition = {{"after", "29d"}, {"storageClass", storage_class}};
    auto policy = ParseRetentionPolicySpec(
        {{"tiers", {{{"name", "all"}, {"keep", "365d"}, {"transitions", {transition}}}}}});
    ASSERT_FALSE(policy.ok());
    EXPECT_EQ(policy.status().message(),
              "spec.tiers[0].transitions[0].after: S3 keeps objects in " +
                  std::string(storage_class) +
                  " for at least 30 days after they were created: after must be 30d (720h) or "
                  "more, not 29d");
    const json thirty = {{"after", "720h"}, {"storageClass", storage_class}};
    EXPECT_TRUE(ParseRetentionPolicySpec(
                    {{"tiers", {{{"name", "all"}, {"keep", "365d"}, {"transitions", {thirty}}}}}})
                    .ok());
  }
}

TEST(RetentionParseTest, NullCountsAsAbsent) {
  auto policy = ParseRetentionPolicySpec(json::parse(
      R"({"dryRun": null, "safety": null, "tiers": [{"name": "all", "keep": "1d", "match": null}]})"));
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_FALSE(policy->tiers[0].match);
}

TEST(RetentionParseTest, ErrorsNameTheField) {
  const std::string all = R"({"name": "all", "keep": "30d"})";
  const std::string tier0 = R"({"tiers": [)";
  const std::string rest = ", " + all + "]}";
  struct Case {
    std::string spec;
    std::string field;  // The message starts with "<field>: ".
  };
  const std::vector<Case> cases = {
      {R"([])", "spec"},
      {R"({})", "spec.tiers"},
      {R"({"tiers": []})", "spec.tiers"},
      {R"({"tiers": {"name": "all"}})", "spec.tiers"},
      {R"({"tiers": ["all"]})", "spec.tiers[0]"},
      {R"({"tiers": [{"keep": "30d"}]})", "spec.tiers[0].name"},
      {R"({"tiers": [{"name": 7, "keep": "30d"}]})", "spec.tiers[0].name"},
      {R"({"tiers": [{"name": "all"}]})", "spec.tiers[0].keep"},
      {R"({"tiers": [{"name": "all", "keep": "30 days"}]})", "spec.tiers[0].keep"},
      {R"({"tiers": [{"name": "all", "keep": 30}]})", "spec.tiers[0].keep"},
      {tier0 + R"({"name": "all", "match": {"phase": "Failed"}, "keep": "1d"}, )" + all + "]}",
       "spec.tiers[1].name"},
      {tier0 + R"({"name": "a", "keep": "1d"}, )" + all + "]}", "spec.tiers[0]"},
      {tier0 + R"({"name": "a", "match": {"phase": "Failed"}, "keep": "1d"}]})",
       "spec.tiers[0].match"},
      {tier0 + R"({"name": "a", "match": {}, "keep": "1d"})" + rest, "spec.tiers[0].match"},
      {tier0 + R"({"name": "a", "match": {"topN": null}, "keep": "1d"})" + rest,
       "spec.tiers[0].match"},
      {tier0 + R"({"name": "a", "match": [], "keep": "1d"})" + rest, "spec.tiers[0].match"},
      {tier0 + R"({"name": "a", "match": {"topN": 3, "topPercent": 5}, "keep": "1d"})" + rest,
       "spec.tiers[0].match"},
      {tier0 + R"({"name": "a", "match": {"topn": 3}, "keep": "1d"})" + rest,
       "spec.tiers[0].match.topn"},
      {tier0 + R"({"name": "a", "match": {"topPercent": 0}, "keep": "1d"})" + rest,
       "spec.tiers[0].match.topPercent"},
      {tier0 + R"({"name": "a", "match": {"topPercent": 101}, "keep": "1d"})" + rest,
       "spec.tiers[0].match.topPercent"},
      {tier0 + R"({"name": "a", "match": {"topPercent": 10.5}, "keep": "1d"})" + rest,
       "spec.tiers[0].match.topPercent"},
      {tier0 + R"({"name": "a", "match": {"topN": "3"}, "keep": "1d"})" + rest,
       "spec.tiers[0].match.topN"},
      {tier0 + R"({"name": "a", "match": {"topN": 18446744073709551615}, "keep": "1d"})" + rest,
       "spec.tiers[0].match.topN"},
      {tier0 + R"({"name": "a", "match": {"phase": "Running"}, "keep": "1d"})" + rest,
       "spec.tiers[0].match.phase"},
      {tier0 + R"({"name": "a", "match": {"promoted": "yes"}, "keep": "1d"})" + rest,
       "spec.tiers[0].match.promoted"},
      {tier0 + R"({"name": "a", "keep": "30d", "transitions": {}}]})", "spec.tiers[0].transitions"},
      {tier0 + R"({"name": "a", "keep": "30d", "transitions": [{"storageClass": "GLACIER"}]}]})",
       "spec.tiers[0].transitions[0].after"},
      {tier0 + R"({"name": "a", "keep": "30d", "transitions": [{"after": "1d"}]}]})",
       "spec.tiers[0].transitions[0].storageClass"},
      {tier0 +
           R"({"name": "a", "keep": "30d", "transitions": [{"after": "1d", "storageClass": "COLD"}]}]})",
       "spec.tiers[0].transitions[0].storageClass"},
      {tier0 +
           R"({"name": "a", "keep": "30d", "transitions": [{"after": "30d", "storageClass": "GLACIER"}]}]})",
       "spec.tiers[0].transitions[0].after"},
      {tier0 + R"({"name": "a", "keep": "30d", "transitions": [
          {"after": "10d", "storageClass": "GLACIER_IR"},
          {"after": "240h", "storageClass": "GLACIER"}]}]})",
       "spec.tiers[0].transitions[1].after"},
      {R"({"tiers": [{"name": "all", "keep": "1d"}], "safety": 20})", "spec.safety"},
      {R"({"tiers": [{"name": "all", "keep": "1d"}], "safety": {"maxDeletePercentPerRun": 0}})",
       "spec.safety.maxDeletePercentPerRun"},
      {R"({"tiers": [{"name": "all", "keep": "1d"}], "safety": {"minRunAge": "0h"}})",
       "spec.safety.minRunAge"},
      {R"({"tiers": [{"name": "all", "keep": "1d"}], "safety": {"minRunAge": "1w"}})",
       "spec.safety.minRunAge"},
      {R"({"tiers": [{"name": "all", "keep": "1d"}], "safety": {"minRunAge": 0}})",
       "spec.safety.minRunAge"},
      {R"({"tiers": [{"name": "all", "keep": "1d"}], "dryRun": "yes"})", "spec.dryRun"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.spec);
    auto r = ParseRetentionPolicySpec(json::parse(c.spec));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind(c.field + ": ", 0), 0u) << r.status().message();
  }
}

TEST(RetentionParseTest, ForeverKeepAllowsAnyTransition) {
  auto policy =
      ParseRetentionPolicySpec(json::parse(R"({"tiers": [{"name": "all", "keep": "forever",
      "transitions": [{"after": "99999d", "storageClass": "DEEP_ARCHIVE"}]}]})"));
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->tiers[0].transitions[0].after, 99999 * kDay);
}

TEST(RetentionParseTest, MessagesSayWhatIsWrong) {
  auto last = ParseRetentionPolicySpec(
      json::parse(R"({"tiers": [{"name": "a", "match": {"phase": "Failed"}, "keep": "1d"}]})"));
  EXPECT_EQ(last.status().message(),
            "spec.tiers[0].match: the last tier must be a catch-all without match, so every run "
            "lands in some tier");
  auto order = ParseRetentionPolicySpec(json::parse(R"({"tiers": [{"name": "a", "keep": "30d",
      "transitions": [{"after": "10d", "storageClass": "GLACIER_IR"},
                      {"after": "5d", "storageClass": "GLACIER"}]}]})"));
  EXPECT_EQ(order.status().message(),
            "spec.tiers[0].transitions[1].after: 120h is not after the previous transition's 240h: "
            "transitions go in strictly increasing order of after");
}

}  // namespace
}  // namespace runledger::controllers
