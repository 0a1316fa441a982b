#include "runtime/leader_election.h"

#include <gtest/gtest.h>

namespace runledger::runtime {
namespace {

using std::chrono::seconds;

class DecideLeaseTest : public ::testing::Test {
 protected:
  LeaseObservation Held(std::string holder) {
    LeaseObservation o;
    o.exists = true;
    o.holder = std::move(holder);
    o.duration = seconds(15);
    o.record = "r1";
    o.record_seen_at = clock_.SteadyNow();
    return o;
  }
  FakeClock clock_;
};

TEST_F(DecideLeaseTest, NoLeaseIsCreated) {
  EXPECT_EQ(DecideLease(LeaseObservation{}, "me", clock_.SteadyNow()), LeaseDecision::kCreate);
}

TEST_F(DecideLeaseTest, OwnLeaseIsRenewed) {
  EXPECT_EQ(DecideLease(Held("me"), "me", clock_.SteadyNow()), LeaseDecision::kRenew);
}

TEST_F(DecideLeaseTest, ReleasedLeaseIsTakenAtOnce) {
  EXPECT_EQ(DecideLease(Held(""), "me", clock_.SteadyNow()), LeaseDecision::kAcquire);
}

TEST_F(DecideLeaseTest, LiveLeaseOfAnotherIsLeftAlone) {
  auto lease = Held("other");
  clock_.Advance(seconds(14));
  EXPECT_EQ(DecideLease(lease, "me", clock_.SteadyNow()), LeaseDecision::kWait);
}

TEST_F(DecideLeaseTest, LeaseUnchangedForItsDurationIsTakenOver) {
  auto lease = Held("other");
  clock_.Advance(seconds(15));
  EXPECT_EQ(DecideLease(lease, "me", clock_.SteadyNow()), LeaseDecision::kAcquire);
}

}  // namespace
}  // namespace runledger::runtime
