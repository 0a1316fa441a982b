// The WAL payload of one appended batch, and its in-memory form.
//
// Payload (all integers varint unless noted):
//   kind = 1 (byte)
//   append_time_ms (zigzag), idempotency id (length-prefixed, may be empty)
//   --- content (hashed for idempotency) ---
//   run id (length-prefixed), key count, keys (length-prefixed each)
//   point count, then per point: key index, step delta (zigzag, from the
//   previous point; the first from 0), timestamp delta (zigzag), value
//   (fixed64 IEEE bits)
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/point.h"

namespace runledger::store {

// A batch with keys replaced by indices into a per-batch dictionary.
struct WalBatch {
  std::string run_id;
  std::string idempotency_id;
  int64_t append_time_ms = 0;
  std::vector<std::string> keys;
  std::vector<uint32_t> key_of;  // key_of[i] indexes keys, for samples[i].
  std::vector<Sample> samples;
};

// Checks limits (run id 1..256 bytes, keys 1..250, id <= 256, at most
// kMaxBatchPoints points) and builds the dictionary form.
Result<WalBatch> ToWalBatch(const Batch& batch, int64_t append_time_ms);

// Appends the payload to `out`; returns the hash of its content part.
uint64_t EncodeWalBatch(const WalBatch& batch, std::string* out);

// Parses a payload; Corruption if it is malformed. On success *content_hash
// (if given) is the same hash EncodeWalBatch returned.
Status DecodeWalBatch(std::string_view payload, WalBatch* out, uint64_t* content_hash = nullptr);

}  // namespace runledger::store
