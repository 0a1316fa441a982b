// SegmentTable: the points of one WAL segment, in memory, by run and key,
// until compaction has written them to chunks (the "log tail" of reads).
//
// Appends come from the WAL leader thread only; readers take snapshots.
// A key's samples live in append-only blocks: a snapshot copies the block
// pointers and the count under the lock, then reads without it (samples
// below the count are never written again), so a history read holds the
// lock for microseconds whatever its size.
// Once the WAL seals the segment, the table is never written again.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "store/batch_codec.h"
#include "store/chunk.h"
#include "store/point.h"

namespace runledger::store {

// Append-only storage of samples in blocks of growing size.
class SampleLog {
 public:
  struct Snapshot {
    std::vector<std::shared_ptr<const Sample[]>> blocks;
    size_t size = 0;
    // Appends the samples with min_step <= step <= max_step to `out`.
    void CopyTo(int64_t min_step, int64_t max_step, std::vector<Sample>* out) const;
  };
  void Append(const Sample& s);
  Snapshot Snap() const;
  size_t size() const { return size_; }

 private:
  static size_t BlockCapacity(size_t index) { return index < 8 ? size_t{16} << index : 4096; }
  std::vector<std::shared_ptr<Sample[]>> blocks_;
  size_t size_ = 0;
  size_t in_last_ = 0;  // Samples in the last block.
};

class SegmentTable {
 public:
  explicit SegmentTable(uint64_t sequence) : sequence_(sequence) {}
  uint64_t sequence() const { return sequence_; }

  void Insert(const WalBatch& batch);

  // The samples of (run, key) in [min_step, max_step], appended to `out` in
  // append order.
  void Read(const std::string& run, const std::string& key, int64_t min_step, int64_t max_step,
            std::vector<Sample>* out) const;
  // Merges this table's per-key summaries of `run` into `out`.
  void MergeSummaries(const std::string& run, std::map<std::string, Summary>* out) const;

  // For compaction: the run ids, and a run's samples and summaries by key.
  std::vector<std::string> Runs() const;
  void CollectRun(const std::string& run, std::map<std::string, std::vector<Sample>>* samples,
                  std::map<std::string, Summary>* summaries) const;
  uint64_t points() const;

 private:
  struct KeyData {
    SampleLog samples;
    Summary summary;
  };
  using RunData = std::unordered_map<std::string, KeyData>;

  const uint64_t sequence_;
  mutable Mutex mu_;
  std::unordered_map<std::string, RunData> runs_ GUARDED_BY(mu_);
  uint64_t points_ GUARDED_BY(mu_) = 0;
};

}  // namespace runledger::store
