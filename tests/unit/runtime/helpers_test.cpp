// Conditions, finalizer patches and timestamps.
#include <gtest/gtest.h>

#include "runtime/backoff.h"
#include "runtime/conditions.h"
#include "runtime/finalizers.h"
#include "runtime/time_format.h"

namespace runledger::runtime {
namespace {

using nlohmann::json;
using std::chrono::seconds;

TEST(ConditionsTest, NewConditionGetsATransitionTime) {
  FakeClock clock;
  json conditions;
  EXPECT_TRUE(
      SetCondition(conditions, {"Ready", "False", "Pending", "waiting", 1}, clock.SystemNow()));
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0]["lastTransitionTime"], Rfc3339(clock.SystemNow()));
}

TEST(ConditionsTest, SameConditionAgainChangesNothing) {
  FakeClock clock;
  json conditions;
  (void)SetCondition(conditions, {"Ready", "False", "Pending", "waiting", 1}, clock.SystemNow());
  clock.Advance(seconds(60));
  EXPECT_FALSE(
      SetCondition(conditions, {"Ready", "False", "Pending", "waiting", 1}, clock.SystemNow()));
}

TEST(ConditionsTest, NewMessageKeepsTheTransitionTime) {
  FakeClock clock;
  json conditions;
  (void)SetCondition(conditions, {"Ready", "False", "Pending", "waiting", 1}, clock.SystemNow());
  const json first = conditions[0]["lastTransitionTime"];
  clock.Advance(seconds(60));
  EXPECT_TRUE(SetCondition(conditions, {"Ready", "False", "Pending", "still waiting", 2},
                           clock.SystemNow()));
  EXPECT_EQ(conditions[0]["lastTransitionTime"], first);
  EXPECT_EQ(conditions[0]["observedGeneration"], 2);
}

TEST(ConditionsTest, StatusChangeMovesTheTransitionTime) {
  FakeClock clock;
  json conditions;
  (void)SetCondition(conditions, {"Ready", "False", "Pending", "", 1}, clock.SystemNow());
  clock.Advance(seconds(60));
  EXPECT_TRUE(SetCondition(conditions, {"Ready", "True", "Running", "", 1}, clock.SystemNow()));
  EXPECT_EQ(conditions[0]["lastTransitionTime"], Rfc3339(clock.SystemNow()));
}

TEST(ConditionsTest, RemoveDropsOnlyThatType) {
  FakeClock clock;
  json conditions;
  (void)SetCondition(conditions, {"Ready", "True", "R", "", 1}, clock.SystemNow());
  (void)SetCondition(conditions, {"Stalled", "True", "S", "", 1}, clock.SystemNow());
  EXPECT_TRUE(RemoveCondition(conditions, "Stalled"));
  EXPECT_FALSE(RemoveCondition(conditions, "Stalled"));
  EXPECT_NE(FindCondition(conditions, "Ready"), nullptr);
}

TEST(FinalizersTest, AddToNoneTestsThatThereAreNone) {
  json obj = {{"metadata", {{"name", "a"}}}};
  auto patch = AddFinalizerPatch(obj, "runledger.dev/cleanup");
  ASSERT_TRUE(patch);
  EXPECT_EQ((*patch)[0],
            (json{{"op", "test"}, {"path", "/metadata/finalizers"}, {"value", nullptr}}));
  EXPECT_EQ((*patch)[1]["value"], json::array({"runledger.dev/cleanup"}));
}

TEST(FinalizersTest, AddToOthersTestsTheirListAndAppends) {
  json obj = {{"metadata", {{"finalizers", {"other.io/x"}}}}};
  auto patch = AddFinalizerPatch(obj, "runledger.dev/cleanup");
  ASSERT_TRUE(patch);
  EXPECT_EQ((*patch)[0]["value"], json::array({"other.io/x"}));
  EXPECT_EQ((*patch)[1]["path"], "/metadata/finalizers/-");
}

TEST(FinalizersTest, AddWhenPresentIsNothing) {
  json obj = {{"metadata", {{"finalizers", {"runledger.dev/cleanup"}}}}};
  EXPECT_FALSE(AddFinalizerPatch(obj, "runledger.dev/cleanup"));
}

TEST(FinalizersTest, RemoveTestsExactlyTheEntryItRemoves) {
  json obj = {{"metadata", {{"finalizers", {"other.io/x", "runledger.dev/cleanup"}}}}};
  auto patch = RemoveFinalizerPatch(obj, "runledger.dev/cleanup");
  ASSERT_TRUE(patch);
  EXPECT_EQ((*patch)[0], (json{{"op", "test"},
                               {"path", "/metadata/finalizers/1"},
                               {"value", "runledger.dev/cleanup"}}));
  EXPECT_EQ((*patch)[1], (json{{"op", "remove"}, {"path", "/metadata/finalizers/1"}}));
  EXPECT_FALSE(RemoveFinalizerPatch(obj, "absent"));
}

TEST(TimeFormatTest, RoundTripsMicroTime) {
  const auto t = Clock::SystemTime{} + seconds(1764676800) + std::chrono::microseconds(123456);
  EXPECT_EQ(Rfc3339Micro(t), "2025-12-02T12:00:00.123456Z");
  EXPECT_EQ(Rfc3339(t), "2025-12-02T12:00:00Z");
  EXPECT_EQ(ParseRfc3339("2025-12-02T12:00:00.123456Z"), t);
  EXPECT_EQ(ParseRfc3339("2025-12-02T12:00:00Z"), Clock::SystemTime{} + seconds(1764676800));
}

TEST(TimeFormatTest, MalformedIsRefused) {
  EXPECT_FALSE(ParseRfc3339("2025-12-02 12:00:00"));
  EXPECT_FALSE(ParseRfc3339("2025-12-02T12:00:00+01:00"));
  EXPECT_FALSE(ParseRfc3339(""));
}

TEST(BackoffTest, DoublesUpToTheCapThenJitters) {
  Backoff b{std::chrono::milliseconds(100), seconds(1), 2.0, 0.5};
  EXPECT_EQ(b.Delay(0), std::chrono::milliseconds(100));
  EXPECT_EQ(b.Delay(3), std::chrono::milliseconds(800));
  EXPECT_EQ(b.Delay(10), seconds(1));
  EXPECT_EQ(b.Delay(10, 1.0), std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace runledger::runtime
