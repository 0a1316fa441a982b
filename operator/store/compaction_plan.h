// The decisions of compaction, as pure functions over plain structs:
//   - PlanCompaction: sealed segments' points -> the chunk objects to write
//     and the manifest that lists them (compaction.cpp applies the plan:
//     Puts, then the manifest Put as the commit point, then the swap).
//   - DecideOrphans: which chunk objects no manifest references and have
//     been seen unreferenced for the whole grace period (MetricStore deletes
//     them).
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "store/manifest.h"
#include "store/point.h"

namespace runledger::store {

// One run's points from the segments being compacted.
struct RunPoints {
  std::map<std::string, std::vector<Sample>> samples;  // By key; any order.
  std::map<std::string, Summary> summaries;            // By key.
};

struct CompactionInput {
  std::shared_ptr<const Manifest> base;  // The manifest now in force.
  uint64_t through = 0;                  // Compact segments (base->compacted_through, through].
  uint64_t attempt = 0;                  // Unique per attempt: names its chunks (never reused).
  std::string object_prefix;
  std::map<std::string, RunPoints> runs;
};

struct ChunkWrite {
  std::string object;
  std::string bytes;
};

struct CompactionPlan {
  Manifest next;                   // generation + 1, compacted_through = through; recent_ids
                                   // are filled in by the apply step (they change meanwhile).
  std::vector<ChunkWrite> chunks;  // Written before `next`, in this order.
  uint64_t chunk_bytes = 0, chunk_points = 0;
};

// Splits each key into parts of at most kMaxChunkKeyPoints points: part p
// of a run holds points [p*N, (p+1)*N) of every key, in HistoryLess order.
CompactionPlan PlanCompaction(CompactionInput input);

// The object of a chunk written by compaction `attempt` for manifest
// `generation`: "<prefix>runs/<escaped run>/<generation>-<attempt>-<part>.rlc".
std::string ChunkObjectName(const std::string& prefix, const std::string& run, uint64_t generation,
                            uint64_t attempt, size_t part);
// Where every chunk object lives: "<prefix>runs/".
std::string ChunkObjectsPrefix(const std::string& prefix);

// Every chunk object `m` lists.
std::set<std::string> ReferencedObjects(const Manifest& m);

struct OrphanDecision {
  std::vector<std::string> remove;  // Unreferenced for at least the grace period.
  // When each other unreferenced object was first seen (carry to the next call).
  std::map<std::string, std::chrono::steady_clock::time_point> seen;
};

// `listed`: the chunk objects in the object store; `referenced`: those any
// manifest lists; `seen`: the previous decision's map. An object is removed
// once it was unreferenced at two scans at least `grace` apart; one that is
// referenced again (or gone) is forgotten.
OrphanDecision DecideOrphans(
    const std::vector<std::string>& listed, const std::set<std::string>& referenced,
    const std::map<std::string, std::chrono::steady_clock::time_point>& seen,
    std::chrono::steady_clock::time_point now, std::chrono::steady_clock::duration grace);

}  // namespace runledger::store
