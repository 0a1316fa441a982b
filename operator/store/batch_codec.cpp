// WAL batch payloads: dictionary-coded keys, delta-coded steps and times.
#include "store/batch_codec.h"

#include <unordered_map>

#include "store/coding.h"
#include "store/hash.h"

namespace runledger::store {
namespace {
constexpr uint8_t kBatchKind = 1;
constexpr size_t kMaxRunId = 256, kMaxKey = 250, kMaxId = 256;
// A point's smallest encoding: key index, step and time deltas (a byte
// each) and the fixed64 value.
constexpr size_t kMinPointBytes = 1 + 1 + 1 + 8;
}  // namespace

Result<WalBatch> ToWalBatch(const Batch& batch, int64_t append_time_ms) {
  if (batch.run_id.empty() || batch.run_id.size() > kMaxRunId) {
    return InvalidArgument("run id must be 1.." + std::to_string(kMaxRunId) + " bytes");
  }
  if (batch.idempotency_id.size() > kMaxId) {
    return InvalidArgument("idempotency id must be at most " + std::to_string(kMaxId) + " bytes");
  }
  if (batch.points.size() > kMaxBatchPoints) {
    return InvalidArgument("a batch holds at most " + std::to_string(kMaxBatchPoints) +
                           " points, got " + std::to_string(batch.points.size()));
  }
  WalBatch out;
  out.run_id = batch.run_id;
  out.idempotency_id = batch.idempotency_id;
  out.append_time_ms = append_time_ms;
  out.key_of.reserve(batch.points.size());
  out.samples.reserve(batch.points.size());
  std::unordered_map<std::string_view, uint32_t> index;
  for (const Point& p : batch.points) {
    if (p.key.empty() || p.key.size() > kMaxKey) {
      return InvalidArgument("metric key must be 1.." + std::to_string(kMaxKey) + " bytes");
    }
    auto [it, added] = index.try_emplace(p.key, static_cast<uint32_t>(out.keys.size()));
    if (added) out.keys.push_back(p.key);
    out.key_of.push_back(it->second);
    out.samples.push_back(Sample{p.step, p.timestamp_ms, p.value});
  }
  return out;
}

uint64_t EncodeWalBatch(const WalBatch& b, std::string* out) {
  out->push_back(static_cast<char>(kBatchKind));
  PutZigZag64(out, b.append_time_ms);
  PutLengthPrefixed(out, b.idempotency_id);
  size_t content_start = out->size();
  PutLengthPrefixed(out, b.run_id);
  PutVarint64(out, b.keys.size());
  for (const auto& k : b.keys) PutLengthPrefixed(out, k);
  PutVarint64(out, b.samples.size());
  int64_t step = 0, ts = 0;
  for (size_t i = 0; i < b.samples.size(); ++i) {
    const Sample& s = b.samples[i];
    PutVarint64(out, b.key_of[i]);
    // Deltas in unsigned arithmetic: wrap-around is defined and reversible.
    PutZigZag64(out,
                static_cast<int64_t>(static_cast<uint64_t>(s.step) - static_cast<uint64_t>(step)));
    PutZigZag64(out, static_cast<int64_t>(static_cast<uint64_t>(s.timestamp_ms) -
                                          static_cast<uint64_t>(ts)));
    PutFixed64(out, DoubleBits(s.value));
    step = s.step;
    ts = s.timestamp_ms;
  }
  return Hash64(std::string_view(*out).substr(content_start));
}

Status DecodeWalBatch(std::string_view payload, WalBatch* out, uint64_t* content_hash) {
  auto bad = [](std::string_view what) {
    return Corruption("malformed batch record: " + std::string(what));
  };
  Decoder d(payload);
  uint8_t kind;
  std::string_view id, run;
  if (!d.GetByte(&kind) || kind != kBatchKind) return bad("unknown kind");
  if (!d.GetZigZag64(&out->append_time_ms) || !d.GetLengthPrefixed(&id)) return bad("header");
  const char* content_start = d.position();
  uint64_t nkeys, npoints;
  if (!d.GetLengthPrefixed(&run) || !d.GetBounded(kMaxBatchPoints, &nkeys)) return bad("run id");
  if (nkeys > d.remaining()) return bad("key count exceeds the record");  // A byte each at least.
  out->run_id.assign(run);
  out->idempotency_id.assign(id);
  out->keys.clear();
  for (uint64_t i = 0; i < nkeys; ++i) {
    std::string_view k;
    if (!d.GetLengthPrefixed(&k)) return bad("key dictionary");
    out->keys.emplace_back(k);
  }
  if (!d.GetBounded(kMaxBatchPoints, &npoints)) return bad("point count");
  // The count is untrusted: reserve only what the bytes left can hold, so a
  // 10-byte record cannot make us allocate for 100,000 points.
  if (npoints > d.remaining() / kMinPointBytes) return bad("point count exceeds the record");
  out->key_of.clear();
  out->samples.clear();
  out->key_of.reserve(npoints);
  out->samples.reserve(npoints);
  uint64_t step = 0, ts = 0;
  for (uint64_t i = 0; i < npoints; ++i) {
    uint64_t key, bits;
    int64_t dstep, dts;
    if (!d.GetVarint64(&key) || !d.GetZigZag64(&dstep) || !d.GetZigZag64(&dts) ||
        !d.GetFixed64(&bits)) {
      return bad("point " + std::to_string(i));
    }
    if (key >= nkeys) return bad("key index out of range");
    step += static_cast<uint64_t>(dstep);
    ts += static_cast<uint64_t>(dts);
    out->key_of.push_back(static_cast<uint32_t>(key));
    out->samples.push_back(
        Sample{static_cast<int64_t>(step), static_cast<int64_t>(ts), BitsDouble(bits)});
  }
  if (d.remaining() != 0) return bad("trailing bytes");
  if (content_hash != nullptr) {
    *content_hash =
        Hash64(std::string_view(content_start, payload.data() + payload.size() - content_start));
  }
  return Status::Ok();
}

}  // namespace runledger::store
