// LatestValues: the latest value of every metric key of every run, in
// memory, so that a search over 10,000 runs reads metrics without asking
// the metric store 10,000 times. runs/get reads from here too.
//
// A run's values are loaded from the store (MetricStore::Latest) on first
// use and kept up to date by Add after every durable append. Add for a run
// not loaded does nothing: its next Get loads it, appended points included.
// A load racing with an Add for the same run is not kept (Get answers it,
// the next Get loads again), so a kept entry never misses an Add.
//
// Memory: about 100 bytes per key per run (10,000 runs of 5 keys: 5 MB).
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "store/metric_store.h"

namespace runledger::tracking {

class LatestValues {
 public:
  using Values = std::map<std::string, store::Sample, std::less<>>;
  using ValuesPtr = std::shared_ptr<const Values>;

  explicit LatestValues(const store::MetricStore& store) : store_(store) {}

  // After `points` of `run_id` are durable.
  void Add(const std::string& run_id, const std::vector<store::Point>& points);
  Result<ValuesPtr> Get(const std::string& run_id);
  // As MetricStore::Latest: one point per key, sorted by key.
  Result<std::vector<store::Point>> Points(const std::string& run_id);
  // The run was deleted.
  void Forget(const std::string& run_id);

 private:
  const store::MetricStore& store_;
  // Adds per shard of run ids: a load compares its run's shard before and
  // after (a shard, so that a busy ingest of other runs rarely spoils it).
  static constexpr size_t kShards = 64;
  std::atomic<uint64_t>& AddsOf(const std::string& run_id) {
    return adds_[std::hash<std::string>{}(run_id) % kShards];
  }
  std::array<std::atomic<uint64_t>, kShards> adds_{};
  Mutex mu_;
  std::unordered_map<std::string, ValuesPtr> runs_ GUARDED_BY(mu_);
};

}  // namespace runledger::tracking
