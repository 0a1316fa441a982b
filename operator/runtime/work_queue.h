// WorkQueue: the keys a controller must reconcile, each at most once at a time.
//
// Guarantees (those of client-go's workqueue, which controllers rely on):
// - A key is queued at most once: adding a queued key does nothing.
// - A key is never handed to two workers at once: a key added while a worker
//   holds it is queued again when that worker calls Done, so the change that
//   caused the add is always seen by a later reconcile.
// - AddAfter(key, d) queues the key once d has passed on the injected clock
//   (the earliest of several pending delays wins).
// - AddRateLimited(key) waits for the key's own exponential backoff (5 ms
//   doubling to 1000 s, as controller-runtime) and for an overall token
//   bucket (10/s, burst 100), whichever is longer; Forget(key) resets the
//   key's backoff once it reconciles cleanly.
// - ShutDown: adds are ignored; Get hands out what is queued now and then
//   returns nullopt; delayed keys are dropped. WaitIdle blocks until every
//   handed-out key is Done (bounded by the caller's deadline).
//
// Thread-safety: all methods may be called concurrently.
// Lifetime: does not own `clock` or `metrics`; they must outlive the queue.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "base/clock.h"
#include "base/mutex.h"
#include "runtime/backoff.h"

namespace runledger::runtime {

// What a queue reports; every member may be left empty. Called without the
// queue's lock held.
struct QueueObserver {
  virtual ~QueueObserver() = default;
  virtual void OnAdd() {}                                   // workqueue_adds_total
  virtual void OnRetry() {}                                 // workqueue_retries_total
  virtual void OnDepth(size_t /*depth*/) {}                 // workqueue_depth
  virtual void OnQueueLatency(std::chrono::nanoseconds) {}  // added -> handed out
  virtual void OnWorkDuration(std::chrono::nanoseconds) {}  // handed out -> Done
};

struct QueueOptions {
  Backoff item_backoff{std::chrono::milliseconds(5), std::chrono::seconds(1000), 2.0, 0.0};
  double overall_qps = 10;
  int overall_burst = 100;
};

class WorkQueue {
 public:
  WorkQueue(const Clock& clock, QueueOptions options = {}, QueueObserver* observer = nullptr);

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::nanoseconds delay);
  void AddRateLimited(const std::string& key);
  // Resets the key's failure count (after a successful reconcile).
  void Forget(const std::string& key);
  // How many times the key was added rate-limited since its last Forget.
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is ready, or returns nullopt once shut down and empty.
  std::optional<std::string> Get();
  // Like Get, but never blocks: nullopt when no key is ready now.
  std::optional<std::string> TryGet();
  // The worker finished with `key` (handed out by Get or TryGet).
  void Done(const std::string& key);

  void ShutDown();
  // After ShutDown: waits until no key is being worked on or `timeout` passes
  // (on the real clock: this bounds a process's exit); true when idle.
  bool WaitIdle(std::chrono::nanoseconds timeout);

  // Keys queued and ready (not delayed, not in flight).
  size_t Len() const;

 private:
  struct Pending {
    Clock::SteadyTime added;  // For the queue latency.
  };
  // Moves delayed keys whose time has come into the queue.
  void PromoteDelayedLockHeld() REQUIRES(mu_);
  void AddLockHeld(const std::string& key) REQUIRES(mu_);
  std::optional<std::string> PopLockHeld() REQUIRES(mu_);
  std::chrono::nanoseconds BucketDelayLockHeld() REQUIRES(mu_);

  const Clock& clock_;
  const QueueOptions options_;
  QueueObserver* const observer_;

  mutable Mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::string> queue_ GUARDED_BY(mu_);
  std::unordered_map<std::string, Pending> dirty_ GUARDED_BY(mu_);  // Queued or to rerun.
  std::unordered_map<std::string, Clock::SteadyTime> processing_ GUARDED_BY(mu_);  // Since.
  std::map<std::string, Clock::SteadyTime> delayed_ GUARDED_BY(mu_);  // Key -> ready at.
  std::unordered_map<std::string, int> failures_ GUARDED_BY(mu_);
  double bucket_tokens_ GUARDED_BY(mu_);
  Clock::SteadyTime bucket_last_ GUARDED_BY(mu_);
  bool shutting_down_ GUARDED_BY(mu_) = false;
};

}  // namespace runledger::runtime
