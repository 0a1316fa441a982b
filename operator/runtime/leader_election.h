// LeaderElector: one active replica at a time, through a coordination.k8s.io
// Lease, with controller-runtime's timings (15 s lease, 10 s renew
// deadline, 2 s retry period).
//
// Flow: a candidate reads the Lease every retry period; it takes the Lease
// when it is free (no holder, or a holder that has not renewed for the lease
// duration, measured on the candidate's own clock from when it last saw the
// Lease change — never by comparing clocks of two machines). The leader
// renews every retry period; if it cannot renew for the renew deadline it
// has lost the lease: on_lost runs at once (the process should stop
// reconciling and exit non-zero, so it restarts as a candidate). On Stop a
// leader releases the Lease (holder cleared, duration 1 s) so a standby takes
// over within a retry period instead of a lease duration.
//
// Updates carry the resourceVersion read, so two candidates racing for a
// free Lease cannot both win: the loser gets Conflict and stays a candidate.
//
// Decide() is the pure part (observed Lease + time → what to do), tested
// with a fake clock; Run() does the I/O.
//
// Thread-safety: IsLeader from any thread; Run on one thread.
// Lifetime: does not own client or clock; they must outlive the elector.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>

#include "base/clock.h"
#include "kube/client.h"
#include "log/log.h"

namespace runledger::runtime {

struct LeaderElectionOptions {
  std::string lease_namespace;
  std::string lease_name = "runledger-operator";
  std::string identity;  // Unique per replica, e.g. "<pod name>_<random>".
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
};

// What a candidate knows about the Lease.
struct LeaseObservation {
  bool exists = false;
  std::string holder;                  // spec.holderIdentity ("" when released).
  std::chrono::seconds duration{0};    // spec.leaseDurationSeconds.
  std::string record;                  // holder + renewTime + transitions: changes on renew.
  Clock::SteadyTime record_seen_at{};  // When this replica first saw `record`.
};

enum class LeaseDecision {
  kCreate,   // No Lease yet: create it, holding it.
  kAcquire,  // Free or expired: take it over.
  kRenew,    // Ours: renew it.
  kWait,     // Someone else holds a live lease.
};

// Pure: what `identity` should do now given what it observed.
LeaseDecision DecideLease(const LeaseObservation& lease, const std::string& identity,
                          Clock::SteadyTime now);

class LeaderElector {
 public:
  LeaderElector(kube::Client& client, const Clock& clock, LeaderElectionOptions options);

  // Campaigns until leader, then calls on_started and keeps renewing until
  // `stop` (releases the Lease and returns OK) or until the lease is lost
  // (calls on_lost and returns Conflict).
  Status Run(std::stop_token stop, const std::function<void()>& on_started,
             const std::function<void()>& on_lost);

  bool IsLeader() const { return leader_.load(); }
  const std::string& identity() const { return options_.identity; }

 private:
  // One attempt to create, take or renew; OK when we hold the lease after it.
  Status TryAcquireOrRenew();
  Status Release();
  nlohmann::json LeaseSpec(int64_t transitions, bool release) const;

  kube::Client& client_;
  const Clock& clock_;
  const LeaderElectionOptions options_;
  const log::Logger log_;
  std::atomic<bool> leader_{false};
  LeaseObservation observed_;  // Run's thread only.
  nlohmann::json lease_;       // Last Lease read or written; Run's thread only.
};

}  // namespace runledger::runtime
