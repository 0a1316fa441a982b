// Informer: Watchers feeding a Cache, each on a thread of its own, telling
// handlers what changed. One informer per kind, shared by every controller
// that reads that kind. It has one watcher for all namespaces, or one per
// watched namespace (a relist of one leaves the others' objects alone).
//
// Handlers are called on a watcher's thread, in the order changes happen
// to each object, after the cache holds the change; with several
// namespaces, several threads call them at once. They must be quick and
// thread-safe (enqueue a key, nothing more). Add them before Start.
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

  // One source and the namespace it covers ("" for all).
  struct ScopedSource {
    std::string ns;
    std::unique_ptr<ListWatchSource> source;
  };

  // Watches `source` (owned) for all namespaces; `name` is for logs, e.g.
  // "trainingruns".
  Informer(std::string name, std::unique_ptr<ListWatchSource> source, const Clock& clock,
           WatcherOptions options = {});
  // Watches each of `sources` (owned; at least one, namespaces distinct).
  Informer(std::string name, std::vector<ScopedSource> sources, const Clock& clock,
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
  void Watch(ScopedSource& scoped, std::stop_token stop);

  const std::string name_;
  std::vector<ScopedSource> sources_;
  const Clock& clock_;
  const WatcherOptions options_;
  Cache cache_;
  std::vector<Handler> handlers_;
  std::vector<std::jthread> threads_;
};

}  // namespace runledger::runtime
