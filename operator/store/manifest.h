// The metric manifest: the one object that says which WAL segments are
// compacted and which chunks hold each run's points. Written whole and
// atomically (ObjectStore::Put) at the end of each compaction; it is the
// hand-off point: a chunk not listed here is never read, and a segment is
// deleted only after a manifest with compacted_through >= it is stored.
//
// Also holds, per run and key, the Summary of all compacted points (so
// Latest and Summaries read no chunks), and the idempotency ids of recent
// batches (so a retry after a restart is still recognised).
// Thread-safety: plain values; MetricStore shares them as shared_ptr<const>.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/point.h"

namespace runledger::store {

struct ChunkRef {
  std::string object;  // Object store key.
  uint64_t bytes = 0;
  uint64_t points = 0;
  int64_t min_step = 0, max_step = 0;
};

struct RunIndex {
  std::vector<ChunkRef> chunks;  // Oldest compaction first.
  std::map<std::string, Summary> keys;
};

// A recent batch id: hashes of (run id, idempotency id) and of the content.
struct IdEntry {
  uint64_t id_hash = 0;
  uint64_t content_hash = 0;
  int64_t time_ms = 0;  // When it was appended (store clock).
};

struct Manifest {
  uint64_t generation = 0;         // Compactions so far.
  uint64_t compacted_through = 0;  // Every WAL segment <= this is in chunks.
  std::map<std::string, std::shared_ptr<const RunIndex>> runs;
  std::vector<IdEntry> recent_ids;  // Oldest first.
};

std::string EncodeManifest(const Manifest& m);
// Corruption if malformed or if the checksum does not match.
Result<Manifest> DecodeManifest(std::string_view bytes);

}  // namespace runledger::store
