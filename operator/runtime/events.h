// EventRecorder: Kubernetes Events (events.k8s.io/v1) about the objects a
// controller manages, deduplicated so a retry loop does not flood etcd.
//
// The first occurrence of (object, type, reason, note) creates an Event;
// repeats within `window` only bump its series count, and are written at
// most once per `series_interval`. Events are best effort: a failure to
// record one is logged and never fails a reconcile.
//
// Thread-safety: Emit may be called concurrently.
// Lifetime: does not own client or clock; they must outlive the recorder.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "base/clock.h"
#include "base/mutex.h"
#include "kube/client.h"
#include "log/log.h"

namespace runledger::runtime {

enum class EventType { kNormal, kWarning };

struct EventOptions {
  std::string reporting_controller = "runledger.dev/operator";
  std::string reporting_instance;  // The replica's identity.
  std::chrono::seconds window{600};
  std::chrono::seconds series_interval{30};
  size_t max_tracked = 4096;  // Oldest entries are forgotten beyond this.
};

class EventRecorder {
 public:
  EventRecorder(kube::Client& client, const Clock& clock, EventOptions options);

  // `regarding` is the object (as read); `action` says what the controller
  // did or tried ("Launch", "Resolve"), `reason` why ("JobCreated").
  void Emit(const nlohmann::json& regarding, EventType type, const std::string& action,
            const std::string& reason, const std::string& note);

 private:
  struct Seen {
    std::string event_name;
    std::string ns;
    int64_t count = 1;
    Clock::SteadyTime first;
    Clock::SteadyTime last_written;
  };
  kube::Client& client_;
  const Clock& clock_;
  const EventOptions options_;
  const log::Logger log_;
  Mutex mu_;
  std::map<std::string, Seen> seen_ GUARDED_BY(mu_);
  uint64_t sequence_ GUARDED_BY(mu_) = 0;
};

}  // namespace runledger::runtime
