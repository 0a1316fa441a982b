// IdempotencyWindow: remembers the ids of recent batches so that a client's
// retry of an acknowledged batch is acknowledged again, not stored twice.
//
// A durable id is remembered while it is among the newest `capacity`
// durable ids and at most `max_age` old. An id in flight (its batch is being
// written) is never evicted, by capacity or by age: it stays until the
// attempt ends (MarkDurable or Forget), so the window may hold `capacity`
// ids plus one per concurrent append. A retry that arrives while the first attempt is still
// in flight waits for that attempt's outcome (MetricStore does the
// waiting); a retry with the same id but different points is refused.
// Ids are persisted (durable ones only) in the manifest at each compaction
// and re-learnt from the WAL on recovery.
// Thread-safety: none; MetricStore guards it with its id mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "store/manifest.h"

namespace runledger::store {

class IdempotencyWindow {
 public:
  IdempotencyWindow(size_t capacity, std::chrono::milliseconds max_age)
      : capacity_(capacity), max_age_ms_(max_age.count()) {}

  enum class State { kUnknown, kInFlight, kDurable, kMismatch };
  // What is known of id_hash; kMismatch if known with other content.
  State Lookup(uint64_t id_hash, uint64_t content_hash) const;

  // Records an id; durable=false marks an attempt in flight.
  void Add(const IdEntry& e, bool durable);
  void MarkDurable(uint64_t id_hash);
  void Forget(uint64_t id_hash);  // The in-flight attempt failed.

  // Drops durable ids older than max_age relative to now_ms.
  void Expire(int64_t now_ms);
  // Durable entries, oldest first (for the manifest).
  std::vector<IdEntry> DurableEntries() const;

 private:
  void AddDurable(const IdEntry& e);  // Evicts the oldest durable ids beyond capacity.

  const size_t capacity_;
  const int64_t max_age_ms_;
  std::unordered_map<uint64_t, IdEntry> in_flight_;
  std::unordered_map<uint64_t, IdEntry> durable_;
  std::deque<uint64_t> order_;  // The keys of durable_, oldest first.
};

}  // namespace runledger::store
