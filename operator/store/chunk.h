// Metric chunks: the immutable, compressed objects that hold a run's points
// once their WAL segments are compacted. One chunk holds one run's points
// from one compaction, column by column per key.
//
// Layout (docs/metric-store.md):
//   magic "RLC1"
//   key count (varint), then per key a directory entry:
//     key (length-prefixed), point count, min step (zigzag), max step
//     (zigzag), body length
//   the bodies, in directory order; per key:
//     steps (length-prefixed int column, order 2)
//     timestamps (length-prefixed int column, order 2)
//     values (value column; column_codec.h)
//   masked CRC32C of everything before it (fixed32)
// A key's samples are in HistoryLess order. A reader checks the CRC once,
// parses the directory, and decodes only the keys it is asked for.
// Thread-safety: EncodeChunk is pure; a ChunkReader is immutable after Open.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/point.h"

namespace runledger::store {

// At most this many points of one key go into one chunk (compaction splits
// bigger series), which bounds what a decoder ever allocates.
constexpr uint64_t kMaxChunkKeyPoints = 1u << 22;

// One key's samples.
struct Series {
  std::string key;
  std::vector<Sample> samples;  // Sorted by HistoryLess.
};

// Encodes `series` (each at most kMaxChunkKeyPoints samples, sorted).
std::string EncodeChunk(const std::vector<Series>& series);

class ChunkReader {
 public:
  struct Entry {
    std::string_view key;
    uint64_t count = 0;
    int64_t min_step = 0, max_step = 0;
    std::string_view body;
  };

  // Parses the directory of `bytes`, which must outlive the reader. With
  // verify_crc, a checksum mismatch is Corruption (skip it for bytes that
  // were verified when they entered the cache).
  static Result<ChunkReader> Open(std::string_view bytes, bool verify_crc = true);

  const std::vector<Entry>& entries() const { return entries_; }
  // The entry for `key`, or nullptr.
  const Entry* Find(std::string_view key) const;
  // Appends the samples of `entry` with min_step <= step <= max_step.
  Status Read(const Entry& entry, int64_t min_step, int64_t max_step,
              std::vector<Sample>* out) const;

 private:
  std::vector<Entry> entries_;
};

}  // namespace runledger::store
