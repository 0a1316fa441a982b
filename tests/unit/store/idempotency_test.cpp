#include "store/idempotency.h"

#include <gtest/gtest.h>

namespace runledger::store {
namespace {

using State = IdempotencyWindow::State;

IdEntry Id(uint64_t id, int64_t time_ms = 0) { return IdEntry{id, id * 100, time_ms}; }

TEST(IdempotencyWindowTest, InFlightIdSurvivesCapacityPressure) {
  IdempotencyWindow w(2, std::chrono::hours(1));
  w.Add(Id(1), /*durable=*/false);  // Oldest, still being written.
  for (uint64_t id = 2; id <= 10; ++id) w.Add(Id(id), /*durable=*/true);
  w.Expire(0);
  EXPECT_EQ(w.Lookup(1, 100), State::kInFlight);
}

TEST(IdempotencyWindowTest, InFlightIdSurvivesAgeExpiry) {
  IdempotencyWindow w(8, std::chrono::milliseconds(10));
  w.Add(Id(1, 0), /*durable=*/false);
  w.Expire(1000);
  EXPECT_EQ(w.Lookup(1, 100), State::kInFlight);
}

TEST(IdempotencyWindowTest, OldestDurableIdIsEvictedAtCapacity) {
  IdempotencyWindow w(2, std::chrono::hours(1));
  w.Add(Id(1), /*durable=*/false);
  w.Add(Id(2), /*durable=*/true);
  w.Add(Id(3), /*durable=*/true);
  w.Add(Id(4), /*durable=*/true);
  EXPECT_EQ(w.Lookup(2, 200), State::kUnknown);
  EXPECT_EQ(w.Lookup(3, 300), State::kDurable);
  EXPECT_EQ(w.Lookup(4, 400), State::kDurable);
}

TEST(IdempotencyWindowTest, InFlightIdMarkedDurableIsRemembered) {
  IdempotencyWindow w(2, std::chrono::hours(1));
  w.Add(Id(1), /*durable=*/false);
  w.Add(Id(2), /*durable=*/true);
  w.Add(Id(3), /*durable=*/true);
  w.MarkDurable(1);
  EXPECT_EQ(w.Lookup(1, 100), State::kDurable);
  EXPECT_EQ(w.DurableEntries().size(), 2u);
}

TEST(IdempotencyWindowTest, ForgottenInFlightIdIsUnknown) {
  IdempotencyWindow w(2, std::chrono::hours(1));
  w.Add(Id(1), /*durable=*/false);
  w.Forget(1);
  EXPECT_EQ(w.Lookup(1, 100), State::kUnknown);
}

TEST(IdempotencyWindowTest, SameIdWithOtherContentIsMismatchWhileInFlight) {
  IdempotencyWindow w(2, std::chrono::hours(1));
  w.Add(Id(1), /*durable=*/false);
  EXPECT_EQ(w.Lookup(1, 999), State::kMismatch);
}

}  // namespace
}  // namespace runledger::store
