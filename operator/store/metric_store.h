// MetricStore: durable storage of metric points for the tracking API.
//
//   auto store = MetricStore::Open({.wal_dir = "/var/lib/runledger/wal",
//                                   .objects = object_store.get()});
//   RETURN_IF_ERROR((*store)->Append(batch));        // durable when it returns
//   auto page = (*store)->History({.run_id = r, .key = "loss"});
//   auto latest = (*store)->Latest(r);                // MLflow's latest values
//   auto summaries = (*store)->Summaries(r);          // last/min/max/count/steps
//
// How it works (docs/metric-store.md): Append writes the batch as one record
// to a write-ahead log (wal.h) shared by all runs, with group commit, and
// then to an in-memory table of its segment. When a segment fills up it is
// sealed, and a background compaction writes its points, per run, as
// compressed chunks (chunk.h) to the object store, then a new manifest
// (manifest.h) listing them, and only then deletes the segment. Reads merge
// the chunks (through a byte-bounded cache) with the in-memory tables.
// Chunks of a compaction that failed before its manifest was stored are
// referenced by no manifest; they are deleted once they have been seen
// unreferenced for orphan_grace (on the store's clock).
//
// Guarantees:
//   - A batch is acknowledged (Append returns OK) only after its WAL record
//     is fsynced; it then survives a crash of the process or the machine.
//   - Every acknowledged point is read exactly once: a reader sees a segment
//     either as its in-memory table or as the chunks the manifest lists,
//     never both (the manifest and the table list are swapped together).
//   - A batch with an idempotency id that was acknowledged before (within
//     the window: the newest idempotency_capacity ids, at most
//     idempotency_max_age old, across restarts) is acknowledged again
//     without being stored twice. The same id with different points is
//     InvalidArgument.
//
// Errors: InvalidArgument for a bad batch or page token; ResourceExhausted
// when the disk is full, the file size limit is hit, or compaction is too
// far behind (max_sealed_segments): back off and retry, the store resumes
// by itself once there is space (wal.h: a fresh segment after checking the
// tail). Any other failed WAL write or sync (IoError, e.g. EIO from
// fdatasync) stops appends for good: every Append returns that error and
// Health() reports it until the process reopens the store. Corruption from
// Open names the WAL segment and offset. An unknown run has no points (an
// empty answer, not NotFound).
//
// Thread-safety: every method may be called from many threads at once.
// Reads hold no lock while they decode; appends are not blocked by reads.
// Lifetime: `objects` and `clock` are not owned and must outlive the store.
// Lock order: compact_mu_, then state_mu_ or ids_mu_ (never both at once).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "store/chunk_cache.h"
#include "store/compaction_plan.h"
#include "store/idempotency.h"
#include "store/manifest.h"
#include "store/memtable.h"
#include "store/object_store.h"
#include "store/point.h"
#include "store/wal.h"

namespace runledger::store {

struct MetricStoreOptions {
  std::string wal_dir;             // Local, durable (a PVC); created if missing.
  ObjectStore* objects = nullptr;  // Where chunks and the manifest go.
  std::string object_prefix = "metrics/";
  uint64_t segment_bytes = 16u << 20;  // WAL segment size before it is sealed.
  size_t cache_bytes = 64u << 20;      // Chunk cache budget.
  size_t idempotency_capacity = 65536;
  std::chrono::milliseconds idempotency_max_age = std::chrono::hours(1);
  // Append answers ResourceExhausted while more sealed segments than this
  // wait for compaction (e.g. the object store is down), bounding memory.
  size_t max_sealed_segments = 32;
  bool background_compaction = true;  // Off: only Compact() and CollectOrphans() run.
  // A chunk object no manifest lists is deleted once it has been seen so for
  // this long (a compaction that failed before its manifest Put leaves them;
  // the grace covers a Put still landing). Checked after a compaction at
  // most every orphan_scan_interval.
  std::chrono::milliseconds orphan_grace = std::chrono::hours(1);
  std::chrono::milliseconds orphan_scan_interval = std::chrono::minutes(10);
  const Clock* clock = nullptr;  // Default Clock::Real(). Drives backoff and grace.
  // Seeds compaction attempt ids and backoff jitter; 0 draws a random seed.
  uint64_t random_seed = 0;
  WalFileFactory wal_file_factory;  // Default POSIX; tests inject faults.
};

struct HistoryRequest {
  std::string run_id;
  std::string key;
  int64_t min_step = std::numeric_limits<int64_t>::min();  // Inclusive.
  int64_t max_step = std::numeric_limits<int64_t>::max();  // Inclusive.
  std::string page_token;  // From the previous page; empty for the first.
  size_t max_results = 25000;
};

struct HistoryPage {
  std::vector<Sample> samples;  // In HistoryLess order (step, timestamp, value).
  std::string next_page_token;  // Empty on the last page.
};

struct MetricStoreStats {
  uint64_t batches = 0, points = 0, duplicate_batches = 0;
  uint64_t compactions = 0, chunks_written = 0, chunk_bytes = 0, chunk_points = 0;
  uint64_t sealed_segments_waiting = 0;
  Status last_compaction_error;
};

class MetricStore {
 public:
  // Loads the manifest, replays the WAL (truncating a torn tail), and starts
  // background compaction.
  static Result<std::unique_ptr<MetricStore>> Open(MetricStoreOptions options);
  ~MetricStore();  // Close().
  MetricStore(const MetricStore&) = delete;
  MetricStore& operator=(const MetricStore&) = delete;

  // Stores every point of `batch`, or none; returns when they are durable.
  Status Append(const Batch& batch);

  // One page of a key's history, in step order, merged from chunks and the
  // WAL tail. Points appended between pages at steps already passed are
  // not returned by that iteration.
  Result<HistoryPage> History(const HistoryRequest& request) const;
  // The latest point of every key of a run (LatestBeats), sorted by key.
  Result<std::vector<Point>> Latest(std::string_view run_id) const;
  // A bounded summary of every key of a run.
  Result<std::map<std::string, Summary>> Summaries(std::string_view run_id) const;

  // Seals the current segment and compacts every sealed segment now.
  Status Compact();
  // Deletes chunk objects that no manifest (the one in memory nor the one
  // stored) references and that were seen unreferenced by a call at least
  // orphan_grace earlier; returns how many it deleted. Lists the object
  // store's chunk prefix.
  Result<size_t> CollectOrphans();
  // Stops background compaction. Acknowledged points are already durable.
  void Close();

  // For /readyz: OK unless appends stopped for good (a WAL error other than
  // out of space), which only reopening the store, i.e. restarting the
  // process, clears. A full disk is not reported here: Appends answer
  // ResourceExhausted and the store resumes at the first Append after space
  // is freed, so taking the pod out of service would only stop that Append.
  Status Health() const;

  MetricStoreStats stats() const;

 private:
  // What readers and compaction see at one moment: the manifest and the
  // in-memory tables, taken together (a segment is in exactly one of them).
  struct View {
    std::shared_ptr<const Manifest> manifest;
    std::vector<std::shared_ptr<SegmentTable>> tables;  // By sequence.
    uint64_t sealed_through = 0;                        // Every segment up to this one is sealed.
  };
  explicit MetricStore(MetricStoreOptions options);
  // Runs in Open before any other thread can see the store.
  Status Recover() NO_THREAD_SAFETY_ANALYSIS;
  std::shared_ptr<SegmentTable> TableFor(uint64_t sequence) EXCLUDES(state_mu_);
  View Snapshot() const EXCLUDES(state_mu_);
  // Sealed segments not yet in the manifest.
  uint64_t SealedWaitingLockHeld() const REQUIRES(state_mu_);
  // Compacts sealed segments not yet in the manifest (compaction.cpp):
  // gathers, PlanCompaction (compaction_plan.h), ApplyCompactionLockHeld.
  Status CompactSealed() EXCLUDES(compact_mu_);
  Status ApplyCompactionLockHeld(CompactionPlan plan) REQUIRES(compact_mu_);
  Result<size_t> CollectOrphansLockHeld() REQUIRES(compact_mu_);
  void CompactionLoop();
  // The delay before compaction retry `failures` (1, 2, ...): 0.5 s doubling
  // to 30 s, then a uniformly random part of its second half (jitter, so
  // stores that failed together do not retry in step).
  std::chrono::milliseconds RetryDelayLockHeld(int failures) REQUIRES(compact_mu_);
  Result<std::shared_ptr<const std::string>> FetchChunk(const std::string& object) const;
  std::string ManifestObject() const { return options_.object_prefix + "MANIFEST"; }
  uint64_t IdHash(const std::string& run, const std::string& id) const;
  Status AppendIdempotent(const WalBatch& batch, const std::string& payload, uint64_t content);
  // Appends durably; `durable_id`, if any, is marked durable in the
  // idempotency window as the batch becomes visible.
  Status AppendToWal(const WalBatch& batch, const std::string& payload,
                     std::optional<uint64_t> durable_id = std::nullopt);

  const MetricStoreOptions options_;
  const Clock& clock_;
  std::unique_ptr<Wal> wal_;
  mutable ChunkCache cache_;

  Mutex compact_mu_;  // One compaction (or orphan scan) at a time.
  std::mt19937_64 rng_ GUARDED_BY(compact_mu_);
  uint64_t compaction_attempt_ GUARDED_BY(compact_mu_);  // Next attempt id.
  // Unreferenced chunk objects and when a scan first saw them.
  std::map<std::string, Clock::SteadyTime> orphans_seen_ GUARDED_BY(compact_mu_);
  Clock::SteadyTime next_orphan_scan_ GUARDED_BY(compact_mu_);

  mutable Mutex state_mu_;
  std::shared_ptr<const Manifest> manifest_ GUARDED_BY(state_mu_);
  std::map<uint64_t, std::shared_ptr<SegmentTable>> tables_ GUARDED_BY(state_mu_);
  uint64_t active_sequence_ GUARDED_BY(state_mu_) = 1;
  MetricStoreStats stats_ GUARDED_BY(state_mu_);  // Compaction fields only.
  bool closing_ GUARDED_BY(state_mu_) = false;
  std::condition_variable_any compact_cv_;  // With state_mu_.
  std::stop_source stop_;                   // Requested by Close(); ends retry sleeps.

  Mutex ids_mu_;
  std::condition_variable_any ids_cv_;  // An in-flight id settled.
  IdempotencyWindow ids_ GUARDED_BY(ids_mu_);

  std::atomic<uint64_t> batches_{0}, points_{0}, duplicates_{0};
  std::thread compactor_;
};

}  // namespace runledger::store
