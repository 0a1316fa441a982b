// Controller: runs a reconcile function for every key its watches enqueue,
// with N workers over one WorkQueue and one error policy.
//
// Contract of a reconcile (controller-runtime's Reconciler, kube-rs's
// Action): it reads the caches, converges the world toward the object's
// spec, and returns
//   - Action::Done()            nothing more to do until something changes;
//   - Action::RequeueAfter(d)   look again after d (e.g. a timeout to check);
//   - an error Status           retried with the key's exponential backoff,
//                               unless terminal (InvalidArgument,
//                               FailedPrecondition: a bad spec will not fix
//                               itself, so the reconcile must already have
//                               written a condition saying so; retrying
//                               would only be a hot loop).
// An exception escaping a reconcile is caught, logged and retried like an
// error: it never takes the process down.
//
// Watches map changes to keys:
//   For(informer)              the primary kind: its own key;
//   Owns(informer, kind)       a child: the key of its controller owner of
//                              `kind` (workload → TrainingRun);
//   Watches(informer, map)     anything else: keys computed by `map`
//                              (TrainingRun → its Experiment).
//
// Thread-safety: configure (For/Owns/Watches) before Start; Start/Stop from
// one thread.
// Lifetime: does not own informers, clock or observers; they must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "log/log.h"
#include "runtime/informer.h"
#include "runtime/work_queue.h"

namespace runledger::runtime {

struct Action {
  std::optional<std::chrono::nanoseconds> requeue_after;

  static Action Done() { return {}; }
  static Action RequeueAfter(std::chrono::nanoseconds d) { return {d}; }
};

// What a reconcile is told: the key and an id for its log lines.
struct ReconcileRequest {
  ObjectKey key;
  std::string reconcile_id;
};

using ReconcileFunc = std::function<Result<Action>(const ReconcileRequest&)>;

// Reports reconciles; called from worker threads without locks held.
struct ControllerObserver {
  virtual ~ControllerObserver() = default;
  // result: "success", "requeue_after", "error".
  virtual void OnReconcile(std::string_view /*result*/, std::chrono::nanoseconds /*took*/) {}
  virtual void OnActiveWorkers(int /*count*/) {}
};

struct ControllerOptions {
  int workers = 2;
  QueueOptions queue;
};

// True for errors no retry can fix (see the contract above).
bool IsTerminal(const Status& error);

// Which changes of a watched kind are worth a reconcile of what they map to.
using ChangePredicate = std::function<bool(const CacheChange&)>;

// Creations, deletions and updates that change metadata.generation, i.e.
// the spec: a status-only write (say, an Experiment's counts) is ignored, as
// with controller-runtime's GenerationChangedPredicate.
bool GenerationChanged(const CacheChange& change);

class Controller {
 public:
  Controller(std::string name, ReconcileFunc reconcile, const Clock& clock,
             ControllerOptions options = {}, ControllerObserver* observer = nullptr,
             QueueObserver* queue_observer = nullptr);
  ~Controller();  // Stops.

  void For(Informer& informer);
  void Owns(Informer& informer, std::string owner_api_version, std::string owner_kind);
  // Changes of `informer`'s objects enqueue the keys `map` returns, for
  // the object's old and new state; only changes `predicate` accepts (all
  // when empty).
  void Watches(Informer& informer, std::function<std::vector<ObjectKey>(const nlohmann::json&)> map,
               ChangePredicate predicate = {});

  // Enqueues `key` directly (e.g. from a timer or another component).
  void Enqueue(const ObjectKey& key) { queue_.Add(key.String()); }

  void Start();
  // Stops taking work; reconciles in flight go on. Lets a process stop
  // several controllers at once, then wait for them under one deadline.
  void ShutDown() { queue_.ShutDown(); }
  // Stops taking work and waits up to `grace` for reconciles in flight.
  // Returns false if some were still running when the grace ran out.
  bool Stop(std::chrono::nanoseconds grace = std::chrono::seconds(30));

  const std::string& name() const { return name_; }
  WorkQueue& queue() { return queue_; }

  // Runs one reconcile of `key` through the error policy, as a worker would;
  // exposed so tests can drive the policy without threads.
  void ProcessForTest(const std::string& key) { Process(key); }

 private:
  void Worker();
  void Process(const std::string& key);

  const std::string name_;
  const ReconcileFunc reconcile_;
  const Clock& clock_;
  const ControllerOptions options_;
  ControllerObserver* const observer_;
  const log::Logger log_;
  WorkQueue queue_;
  std::vector<std::thread> workers_;
  std::atomic<int> active_{0};
  std::atomic<uint64_t> next_id_{0};
  bool started_ = false;
};

}  // namespace runledger::runtime
