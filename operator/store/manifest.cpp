// Manifest encoding: a checksummed binary image of the Manifest struct.
#include "store/manifest.h"

#include "store/coding.h"
#include "store/crc32c.h"

namespace runledger::store {
namespace {

constexpr std::string_view kMagic = "RLM1";

void PutSample(std::string* out, const Sample& s) {
  PutZigZag64(out, s.step);
  PutZigZag64(out, s.timestamp_ms);
  PutFixed64(out, DoubleBits(s.value));
}

bool GetSample(Decoder* d, Sample* s) {
  uint64_t bits;
  if (!d->GetZigZag64(&s->step) || !d->GetZigZag64(&s->timestamp_ms) || !d->GetFixed64(&bits)) {
    return false;
  }
  s->value = BitsDouble(bits);
  return true;
}

}  // namespace

std::string EncodeManifest(const Manifest& m) {
  std::string out(kMagic);
  PutVarint64(&out, m.generation);
  PutVarint64(&out, m.compacted_through);
  PutVarint64(&out, m.runs.size());
  for (const auto& [run, index] : m.runs) {
    PutLengthPrefixed(&out, run);
    PutVarint64(&out, index->chunks.size());
    for (const ChunkRef& c : index->chunks) {
      PutLengthPrefixed(&out, c.object);
      PutVarint64(&out, c.bytes);
      PutVarint64(&out, c.points);
      PutZigZag64(&out, c.min_step);
      PutZigZag64(&out, c.max_step);
    }
    PutVarint64(&out, index->keys.size());
    for (const auto& [key, s] : index->keys) {
      PutLengthPrefixed(&out, key);
      PutSample(&out, s.last);
      PutFixed64(&out, DoubleBits(s.min));
      PutFixed64(&out, DoubleBits(s.max));
      PutVarint64(&out, s.count);
      PutZigZag64(&out, s.first_step);
      PutZigZag64(&out, s.last_step);
    }
  }
  PutVarint64(&out, m.recent_ids.size());
  for (const IdEntry& e : m.recent_ids) {
    PutFixed64(&out, e.id_hash);
    PutFixed64(&out, e.content_hash);
    PutZigZag64(&out, e.time_ms);
  }
  PutFixed32(&out, crc32c::Mask(crc32c::Value(out)));
  return out;
}

Result<Manifest> DecodeManifest(std::string_view bytes) {
  auto bad = [](std::string_view what) {
    return Corruption("malformed metric manifest: " + std::string(what));
  };
  if (bytes.size() < kMagic.size() + 4 || bytes.substr(0, kMagic.size()) != kMagic) {
    return bad("bad magic");
  }
  std::string_view content = bytes.substr(0, bytes.size() - 4);
  if (crc32c::Unmask(LoadFixed32(bytes.data() + content.size())) != crc32c::Value(content)) {
    return bad("checksum mismatch");
  }
  Decoder d(content.substr(kMagic.size()));
  Manifest m;
  uint64_t nruns;
  if (!d.GetVarint64(&m.generation) || !d.GetVarint64(&m.compacted_through) ||
      !d.GetBounded(content.size(), &nruns)) {
    return bad("header");
  }
  for (uint64_t i = 0; i < nruns; ++i) {
    std::string_view run;
    uint64_t nchunks, nkeys;
    auto index = std::make_shared<RunIndex>();
    if (!d.GetLengthPrefixed(&run) || !d.GetBounded(content.size(), &nchunks)) return bad("run");
    for (uint64_t c = 0; c < nchunks; ++c) {
      ChunkRef ref;
      std::string_view object;
      if (!d.GetLengthPrefixed(&object) || !d.GetVarint64(&ref.bytes) ||
          !d.GetVarint64(&ref.points) || !d.GetZigZag64(&ref.min_step) ||
          !d.GetZigZag64(&ref.max_step)) {
        return bad("chunk reference");
      }
      ref.object.assign(object);
      index->chunks.push_back(std::move(ref));
    }
    if (!d.GetBounded(content.size(), &nkeys)) return bad("key count");
    for (uint64_t k = 0; k < nkeys; ++k) {
      std::string_view key;
      Summary s;
      uint64_t min_bits, max_bits;
      if (!d.GetLengthPrefixed(&key) || !GetSample(&d, &s.last) || !d.GetFixed64(&min_bits) ||
          !d.GetFixed64(&max_bits) || !d.GetVarint64(&s.count) || !d.GetZigZag64(&s.first_step) ||
          !d.GetZigZag64(&s.last_step)) {
        return bad("key summary");
      }
      s.min = BitsDouble(min_bits);
      s.max = BitsDouble(max_bits);
      index->keys.emplace(std::string(key), s);
    }
    m.runs.emplace(std::string(run), std::move(index));
  }
  uint64_t nids;
  if (!d.GetBounded(content.size(), &nids)) return bad("id count");
  for (uint64_t i = 0; i < nids; ++i) {
    IdEntry e;
    if (!d.GetFixed64(&e.id_hash) || !d.GetFixed64(&e.content_hash) || !d.GetZigZag64(&e.time_ms)) {
      return bad("id entry");
    }
    m.recent_ids.push_back(e);
  }
  if (d.remaining() != 0) return bad("trailing bytes");
  return m;
}

}  // namespace runledger::store
