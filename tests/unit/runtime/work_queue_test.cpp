#include "runtime/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace runledger::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(WorkQueueTest, AddingAQueuedKeyQueuesItOnce) {
  FakeClock clock;
  WorkQueue q(clock);
  q.Add("ns/a");
  q.Add("ns/a");
  q.Add("ns/b");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.TryGet(), "ns/a");
  EXPECT_EQ(q.TryGet(), "ns/b");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, KeyAddedWhileInFlightIsHeldBackUntilDone) {
  FakeClock clock;
  WorkQueue q(clock);
  q.Add("k");
  ASSERT_EQ(q.TryGet(), "k");
  q.Add("k");
  // A second worker must not get the key while the first still has it.
  EXPECT_EQ(q.TryGet(), std::nullopt);
  q.Done("k");
  EXPECT_EQ(q.TryGet(), "k");
  q.Done("k");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, ManyAddsWhileInFlightRunOnceAfter) {
  FakeClock clock;
  WorkQueue q(clock);
  q.Add("k");
  ASSERT_EQ(q.TryGet(), "k");
  for (int i = 0; i < 5; ++i) q.Add("k");
  q.Done("k");
  EXPECT_EQ(q.TryGet(), "k");
  q.Done("k");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, AddAfterWaitsForTheInjectedClock) {
  FakeClock clock;
  WorkQueue q(clock);
  q.AddAfter("k", seconds(10));
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock.Advance(seconds(9));
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock.Advance(seconds(1));
  EXPECT_EQ(q.TryGet(), "k");
}

TEST(WorkQueueTest, EarliestOfTwoDelaysWins) {
  FakeClock clock;
  WorkQueue q(clock);
  q.AddAfter("k", seconds(60));
  q.AddAfter("k", seconds(5));
  clock.Advance(seconds(5));
  EXPECT_EQ(q.TryGet(), "k");
}

TEST(WorkQueueTest, RateLimitedAddsBackOffExponentiallyFromFiveMilliseconds) {
  FakeClock clock;
  QueueOptions options;
  options.overall_qps = 0;  // Only the per-item backoff.
  WorkQueue q(clock, options);
  const milliseconds expected[] = {milliseconds(5), milliseconds(10), milliseconds(20),
                                   milliseconds(40)};
  for (auto delay : expected) {
    q.AddRateLimited("k");
    clock.Advance(delay - milliseconds(1));
    EXPECT_EQ(q.TryGet(), std::nullopt) << "before " << delay.count() << " ms";
    clock.Advance(milliseconds(1));
    ASSERT_EQ(q.TryGet(), "k") << "at " << delay.count() << " ms";
    q.Done("k");
  }
  EXPECT_EQ(q.NumRequeues("k"), 4);
}

TEST(WorkQueueTest, PerItemBackoffIsCappedAtThousandSeconds) {
  FakeClock clock;
  QueueOptions options;
  options.overall_qps = 0;
  WorkQueue q(clock, options);
  for (int i = 0; i < 40; ++i) {
    q.AddRateLimited("k");
    clock.Advance(seconds(1000));
    ASSERT_EQ(q.TryGet(), "k") << "attempt " << i;
    q.Done("k");
  }
}

TEST(WorkQueueTest, ForgetResetsTheBackoff) {
  FakeClock clock;
  QueueOptions options;
  options.overall_qps = 0;
  WorkQueue q(clock, options);
  for (int i = 0; i < 5; ++i) q.AddRateLimited("k");
  q.Forget("k");
  EXPECT_EQ(q.NumRequeues("k"), 0);
  clock.Advance(seconds(1));
  ASSERT_EQ(q.TryGet(), "k");
  q.Done("k");
  q.AddRateLimited("k");
  clock.Advance(milliseconds(5));
  EXPECT_EQ(q.TryGet(), "k");
}

TEST(WorkQueueTest, OverallBucketSpacesRetriesBeyondItsBurst) {
  FakeClock clock;
  QueueOptions options;
  options.overall_qps = 10;
  options.overall_burst = 2;
  WorkQueue q(clock, options);
  q.AddRateLimited("a");
  q.AddRateLimited("b");
  q.AddRateLimited("c");  // Third within the burst of 2: waits 100 ms.
  clock.Advance(milliseconds(5));
  EXPECT_EQ(q.TryGet(), "a");
  EXPECT_EQ(q.TryGet(), "b");
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock.Advance(milliseconds(95));
  EXPECT_EQ(q.TryGet(), "c");
}

TEST(WorkQueueTest, ShutDownHandsOutWhatIsQueuedThenEnds) {
  WorkQueue q(Clock::Real());
  q.Add("a");
  q.AddAfter("later", seconds(60));
  q.ShutDown();
  q.Add("b");  // Ignored.
  EXPECT_EQ(q.Get(), "a");
  q.Done("a");
  EXPECT_EQ(q.Get(), std::nullopt);
}

TEST(WorkQueueTest, GetBlocksUntilAnAdd) {
  WorkQueue q(Clock::Real());
  std::optional<std::string> got;
  std::thread worker([&] { got = q.Get(); });
  q.Add("k");
  worker.join();
  EXPECT_EQ(got, "k");
}

TEST(WorkQueueTest, GetWakesForADelayedKeyOnTheRealClock) {
  WorkQueue q(Clock::Real());
  q.AddAfter("k", milliseconds(20));
  EXPECT_EQ(q.Get(), "k");
}

TEST(WorkQueueTest, WaitIdleWaitsForKeysInFlight) {
  WorkQueue q(Clock::Real());
  q.Add("k");
  ASSERT_EQ(q.Get(), "k");
  q.ShutDown();
  EXPECT_FALSE(q.WaitIdle(milliseconds(10)));
  std::thread done([&] { q.Done("k"); });
  EXPECT_TRUE(q.WaitIdle(seconds(10)));
  done.join();
}

TEST(WorkQueueTest, NoKeyIsEverWorkedOnByTwoWorkersAtOnce) {
  WorkQueue q(Clock::Real());
  std::atomic<int> in_flight{0};
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.Get()) {
        if (in_flight.fetch_add(1) != 0) overlap = true;
        std::this_thread::yield();
        in_flight.fetch_sub(1);
        ++processed;
        q.Done(*key);
      }
    });
  }
  for (int i = 0; i < 20000; ++i) q.Add("same");
  q.ShutDown();
  for (auto& w : workers) w.join();
  EXPECT_FALSE(overlap);
  EXPECT_GE(processed.load(), 1);
}

}  // namespace
}  // namespace runledger::runtime
