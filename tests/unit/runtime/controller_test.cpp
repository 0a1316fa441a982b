#include "runtime/controller.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace runledger::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Recording : ControllerObserver {
  std::vector<std::string> results;
  void OnReconcile(std::string_view result, std::chrono::nanoseconds) override {
    results.emplace_back(result);
  }
};

class ControllerTest : public ::testing::Test {
 protected:
  ControllerOptions Options() {
    ControllerOptions o;
    o.queue.overall_qps = 0;
    return o;
  }
  FakeClock clock_;
  Recording observer_;
};

TEST_F(ControllerTest, SuccessForgetsTheBackoff) {
  int calls = 0;
  Controller c(
      "t",
      [&](const ReconcileRequest& r) -> Result<Action> {
        EXPECT_EQ(r.key, (ObjectKey{"ns", "a"}));
        EXPECT_EQ(r.reconcile_id.size(), 16u);
        ++calls;
        return Action::Done();
      },
      clock_, Options(), &observer_);
  c.queue().AddRateLimited("ns/a");
  c.ProcessForTest("ns/a");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(c.queue().NumRequeues("ns/a"), 0);
  EXPECT_EQ(observer_.results, std::vector<std::string>{"success"});
}

TEST_F(ControllerTest, RequeueAfterComesBackAfterTheDelay) {
  Controller c(
      "t",
      [&](const ReconcileRequest&) -> Result<Action> { return Action::RequeueAfter(seconds(30)); },
      clock_, Options(), &observer_);
  c.ProcessForTest("ns/a");
  EXPECT_EQ(c.queue().TryGet(), std::nullopt);
  clock_.Advance(seconds(30));
  EXPECT_EQ(c.queue().TryGet(), "ns/a");
  EXPECT_EQ(observer_.results, std::vector<std::string>{"requeue_after"});
}

TEST_F(ControllerTest, TransientErrorIsRetriedWithGrowingBackoff) {
  Controller c(
      "t", [&](const ReconcileRequest&) -> Result<Action> { return Unavailable("api down"); },
      clock_, Options(), &observer_);
  c.ProcessForTest("ns/a");
  c.ProcessForTest("ns/a");
  EXPECT_EQ(c.queue().NumRequeues("ns/a"), 2);
  clock_.Advance(milliseconds(10));
  EXPECT_EQ(c.queue().TryGet(), "ns/a");
}

TEST_F(ControllerTest, TerminalErrorIsNotRetried) {
  Controller c(
      "t",
      [&](const ReconcileRequest&) -> Result<Action> {
        return InvalidArgument("trainer container has no command");
      },
      clock_, Options(), &observer_);
  c.ProcessForTest("ns/a");
  clock_.Advance(seconds(2000));
  EXPECT_EQ(c.queue().TryGet(), std::nullopt);
  EXPECT_EQ(observer_.results, std::vector<std::string>{"error"});
}

TEST_F(ControllerTest, ExceptionIsCaughtAndRetried) {
  Controller c(
      "t", [&](const ReconcileRequest&) -> Result<Action> { throw std::runtime_error("boom"); },
      clock_, Options(), &observer_);
  c.ProcessForTest("ns/a");
  EXPECT_EQ(c.queue().NumRequeues("ns/a"), 1);
  EXPECT_EQ(observer_.results, std::vector<std::string>{"error"});
}

TEST_F(ControllerTest, WorkersReconcileEnqueuedKeysAndStopDrains) {
  std::atomic<int> calls{0};
  ControllerOptions o = Options();
  o.workers = 3;
  Controller c(
      "t",
      [&](const ReconcileRequest&) -> Result<Action> {
        ++calls;
        return Action::Done();
      },
      Clock::Real(), o);
  c.Start();
  for (int i = 0; i < 50; ++i) c.Enqueue({"ns", "k" + std::to_string(i)});
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (calls < 50 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_TRUE(c.Stop(seconds(5)));
  EXPECT_EQ(calls.load(), 50);
}

TEST(IsTerminalTest, BadSpecCodesAreTerminal) {
  EXPECT_TRUE(IsTerminal(InvalidArgument("x")));
  EXPECT_TRUE(IsTerminal(FailedPrecondition("x")));
  EXPECT_FALSE(IsTerminal(Unavailable("x")));
  EXPECT_FALSE(IsTerminal(Status(Code::kConflict, "x")));
}

ObjectPtr WithGeneration(int generation, const std::string& status) {
  return std::make_shared<const nlohmann::json>(nlohmann::json{
      {"metadata", {{"name", "exp"}, {"generation", generation}}}, {"status", {{"x", status}}}});
}

TEST(GenerationChangedTest, StatusOnlyUpdateIsIgnored) {
  EXPECT_FALSE(GenerationChanged(
      {CacheChange::Type::kUpdated, WithGeneration(1, "a"), WithGeneration(1, "b")}));
}

TEST(GenerationChangedTest, SpecUpdateCreateAndDeleteCount) {
  EXPECT_TRUE(GenerationChanged(
      {CacheChange::Type::kUpdated, WithGeneration(1, "a"), WithGeneration(2, "a")}));
  EXPECT_TRUE(GenerationChanged({CacheChange::Type::kAdded, nullptr, WithGeneration(1, "a")}));
  EXPECT_TRUE(GenerationChanged(
      {CacheChange::Type::kDeleted, WithGeneration(1, "a"), WithGeneration(1, "a")}));
}

}  // namespace
}  // namespace runledger::runtime
