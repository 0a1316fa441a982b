#include "runtime/leader_election.h"

#include "kube/json_fields.h"
#include "runtime/time_format.h"
#include "runtime/watcher.h"

namespace runledger::runtime {

using nlohmann::json;

LeaseDecision DecideLease(const LeaseObservation& lease, const std::string& identity,
                          Clock::SteadyTime now) {
  if (!lease.exists) return LeaseDecision::kCreate;
  if (lease.holder == identity) return LeaseDecision::kRenew;
  if (lease.holder.empty()) return LeaseDecision::kAcquire;
  // Expiry is judged by how long *we* have seen the record unchanged, so
  // clock skew between replicas cannot make a live leader look expired.
  if (now - lease.record_seen_at >= lease.duration) return LeaseDecision::kAcquire;
  return LeaseDecision::kWait;
}

LeaderElector::LeaderElector(kube::Client& client, const Clock& clock,
                             LeaderElectionOptions options)
    : client_(client), clock_(clock), options_(std::move(options)), log_("leader") {}

json LeaderElector::LeaseSpec(int64_t transitions, bool release) const {
  const std::string now = Rfc3339Micro(clock_.SystemNow());
  json spec = kube::ObjectField(lease_, "spec");
  if (!spec.is_object()) spec = json::object();
  spec["holderIdentity"] = release ? "" : options_.identity;
  spec["leaseDurationSeconds"] = release ? 1 : options_.lease_duration.count();
  spec["renewTime"] = now;
  spec["leaseTransitions"] = transitions;
  if (!release &&
      kube::StringField(kube::ObjectField(lease_, "spec"), "holderIdentity") != options_.identity) {
    spec["acquireTime"] = now;
  }
  return spec;
}

Status LeaderElector::TryAcquireOrRenew() {
  const auto& r = kube::resources::kLeases;
  auto got = client_.Get(r, options_.lease_namespace, options_.lease_name);
  const auto now = clock_.SteadyNow();
  if (!got.ok() && got.status().code() != Code::kNotFound) return got.status();
  if (got.ok()) {
    lease_ = std::move(*got);
    const json& spec = kube::ObjectField(lease_, "spec");
    const std::string record = kube::StringField(spec, "holderIdentity") + "|" +
                               kube::StringField(spec, "renewTime") + "|" +
                               std::to_string(kube::IntField(spec, "leaseTransitions").value_or(0));
    if (!observed_.exists || record != observed_.record) observed_.record_seen_at = now;
    observed_.exists = true;
    observed_.holder = kube::StringField(spec, "holderIdentity");
    observed_.duration =
        std::chrono::seconds(kube::IntField(spec, "leaseDurationSeconds").value_or(0));
    observed_.record = record;
  } else {
    observed_ = LeaseObservation{};
    lease_ = json::object();
  }
  const int64_t transitions =
      kube::IntField(kube::ObjectField(lease_, "spec"), "leaseTransitions").value_or(0);
  switch (DecideLease(observed_, options_.identity, now)) {
    case LeaseDecision::kWait:
      return FailedPrecondition("lease " + options_.lease_name + " is held by " + observed_.holder);
    case LeaseDecision::kCreate: {
      json lease = {
          {"apiVersion", "coordination.k8s.io/v1"},
          {"kind", "Lease"},
          {"metadata", {{"name", options_.lease_name}, {"namespace", options_.lease_namespace}}},
          {"spec", LeaseSpec(0, false)}};
      auto created = client_.Create(r, options_.lease_namespace, lease);
      if (!created.ok()) return created.status();
      lease_ = std::move(*created);
      return Status();
    }
    case LeaseDecision::kAcquire:
    case LeaseDecision::kRenew: {
      const bool takeover = observed_.holder != options_.identity;
      json lease = lease_;
      lease["spec"] = LeaseSpec(takeover ? transitions + 1 : transitions, false);
      // Carries metadata.resourceVersion: Conflict if someone wrote since.
      auto updated = client_.Update(r, options_.lease_namespace, lease);
      if (!updated.ok()) return updated.status();
      lease_ = std::move(*updated);
      return Status();
    }
  }
  return Internal("unreachable lease decision");
}

Status LeaderElector::Release() {
  if (kube::StringField(kube::ObjectField(lease_, "spec"), "holderIdentity") != options_.identity) {
    return Status();
  }
  json lease = lease_;
  lease["spec"] = LeaseSpec(
      kube::IntField(kube::ObjectField(lease_, "spec"), "leaseTransitions").value_or(0), true);
  return client_.Update(kube::resources::kLeases, options_.lease_namespace, lease).status();
}

Status LeaderElector::Run(std::stop_token stop, const std::function<void()>& on_started,
                          const std::function<void()>& on_lost) {
  const log::Fields where{{"lease", options_.lease_namespace + "/" + options_.lease_name},
                          {"identity", options_.identity}};
  log_.Info("campaigning for leadership", where);
  for (;;) {
    if (stop.stop_requested()) return Cancelled("stopped before becoming leader");
    Status s = TryAcquireOrRenew();
    if (s.ok()) break;
    if (s.code() != Code::kFailedPrecondition) {
      log_.Warn("could not read or take the lease: " + s.ToString(), where);
    }
    if (!SleepUnlessStopped(options_.retry_period, stop)) {
      return Cancelled("stopped before becoming leader");
    }
  }
  leader_ = true;
  log_.Info("became leader", where);
  on_started();

  auto last_renew = clock_.SteadyNow();
  while (SleepUnlessStopped(options_.retry_period, stop)) {
    Status s = TryAcquireOrRenew();
    if (s.ok()) {
      last_renew = clock_.SteadyNow();
      continue;
    }
    const bool taken =
        observed_.exists && !observed_.holder.empty() && observed_.holder != options_.identity;
    if (taken || clock_.SteadyNow() - last_renew >= options_.renew_deadline) {
      leader_ = false;
      log_.Error("lost the lease: " + s.ToString(), where);
      on_lost();
      return Status(Code::kConflict, "lost the lease " + options_.lease_name);
    }
    log_.Warn("lease renewal failed, retrying: " + s.ToString(), where);
  }
  leader_ = false;
  Status released = Release();
  if (!released.ok())
    log_.Warn("could not release the lease: " + released.ToString(), where);
  else
    log_.Info("released the lease", where);
  return Status();
}

}  // namespace runledger::runtime
