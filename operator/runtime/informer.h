// Informer: a Watcher feeding a Cache on a thread of its own, telling
// handlers what changed. One informer per kind, shared by every controller
// that reads that kind.
//
// Handlers are called on the informer's thread, in the order changes
// happen, after the cache holds the change; they must be quick (enqueue a
// key, nothing more). Add them before Start.
//
// After each relist the informer gives the heap's free pages back to the
// system (malloc_trim): a list's pages are parsed whole and then dropped.
//
// Thread-safety: Start/Stop from one thread; cache() readers from any.
// Lifetime: does not own the client or clock; they must outlive it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "runtime/cache.h"
#include "runtime/watcher.h"

namespace runledger::runtime {

class Informer {
 public:
  using Handler = std::function<void(const CacheChange&)>;

  // Watches `source` (owned); `name` is for logs, e.g. "trainingruns".
  Informer(std::string name, std::unique_ptr<ListWatchSource> source, const Clock& clock,
           WatcherOptions options = {});
  ~Informer();  // Stops.

  void AddHandler(Handler handler);
  Cache& cache() { return cache_; }
  const Cache& cache() const { return cache_; }
  const std::string& name() const { return name_; }

  void Start();
  void Stop();
  bool Synced() const { return cache_.Synced(); }

 private:
  const std::string name_;
  std::unique_ptr<ListWatchSource> source_;
  const Clock& clock_;
  const WatcherOptions options_;
  Rng rng_;
  Cache cache_;
  std::vector<Handler> handlers_;
  std::jthread thread_;
};

}  // namespace runledger::runtime
