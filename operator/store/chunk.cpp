// Metric chunks: a key directory, then per key column-encoded bodies.
#include "store/chunk.h"

#include <algorithm>

#include "store/coding.h"
#include "store/column_codec.h"
#include "store/crc32c.h"

namespace runledger::store {
namespace {
constexpr std::string_view kMagic = "RLC1";
}  // namespace

std::string EncodeChunk(const std::vector<Series>& series) {
  std::vector<std::string> bodies;
  bodies.reserve(series.size());
  std::vector<int64_t> ints;
  std::vector<double> values;
  for (const Series& s : series) {
    std::string body, col;
    ints.clear();
    for (const Sample& x : s.samples) ints.push_back(x.step);
    EncodeIntColumn(ints, 2, &col);
    PutLengthPrefixed(&body, col);
    col.clear();
    ints.clear();
    for (const Sample& x : s.samples) ints.push_back(x.timestamp_ms);
    EncodeIntColumn(ints, 2, &col);
    PutLengthPrefixed(&body, col);
    values.clear();
    for (const Sample& x : s.samples) values.push_back(x.value);
    EncodeValueColumn(values, &body);
    bodies.push_back(std::move(body));
  }
  std::string out(kMagic);
  PutVarint64(&out, series.size());
  for (size_t i = 0; i < series.size(); ++i) {
    const auto& samples = series[i].samples;
    int64_t lo = 0, hi = 0;
    if (!samples.empty()) {
      lo = samples.front().step;  // Sorted by step first.
      hi = samples.back().step;
    }
    PutLengthPrefixed(&out, series[i].key);
    PutVarint64(&out, samples.size());
    PutZigZag64(&out, lo);
    PutZigZag64(&out, hi);
    PutVarint64(&out, bodies[i].size());
  }
  for (const auto& b : bodies) out.append(b);
  PutFixed32(&out, crc32c::Mask(crc32c::Value(out)));
  return out;
}

Result<ChunkReader> ChunkReader::Open(std::string_view bytes, bool verify_crc) {
  auto bad = [](std::string_view what) {
    return Corruption("malformed metric chunk: " + std::string(what));
  };
  if (bytes.size() < kMagic.size() + 4 || bytes.substr(0, kMagic.size()) != kMagic) {
    return bad("bad magic");
  }
  std::string_view content = bytes.substr(0, bytes.size() - 4);
  if (verify_crc &&
      crc32c::Unmask(LoadFixed32(bytes.data() + content.size())) != crc32c::Value(content)) {
    return bad("checksum mismatch");
  }
  Decoder d(content.substr(kMagic.size()));
  uint64_t nkeys;
  if (!d.GetBounded(content.size(), &nkeys)) return bad("key count");
  ChunkReader r;
  std::vector<uint64_t> lengths;
  for (uint64_t i = 0; i < nkeys; ++i) {
    Entry e;
    uint64_t len;
    if (!d.GetLengthPrefixed(&e.key) || !d.GetBounded(kMaxChunkKeyPoints, &e.count) ||
        !d.GetZigZag64(&e.min_step) || !d.GetZigZag64(&e.max_step) || !d.GetVarint64(&len)) {
      return bad("directory entry " + std::to_string(i));
    }
    lengths.push_back(len);
    r.entries_.push_back(e);
  }
  for (uint64_t i = 0; i < nkeys; ++i) {
    if (!d.GetBytes(lengths[i], &r.entries_[i].body)) return bad("body past the end");
  }
  if (d.remaining() != 0) return bad("trailing bytes");
  return r;
}

const ChunkReader::Entry* ChunkReader::Find(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

Status ChunkReader::Read(const Entry& e, int64_t min_step, int64_t max_step,
                         std::vector<Sample>* out) const {
  auto bad = [&](std::string_view what) {
    return Corruption("malformed metric chunk, key \"" + std::string(e.key) +
                      "\": " + std::string(what));
  };
  if (e.count == 0 || max_step < e.min_step || min_step > e.max_step) return Status::Ok();
  Decoder d(e.body);
  std::string_view steps_col, ts_col;
  if (!d.GetLengthPrefixed(&steps_col) || !d.GetLengthPrefixed(&ts_col)) return bad("columns");
  std::string_view values_col(d.position(), d.remaining());
  std::vector<int64_t> steps, ts;
  std::vector<double> values;
  steps.reserve(e.count);
  if (!DecodeIntColumn(steps_col, e.count, 2, &steps)) return bad("step column");
  if (!DecodeIntColumn(ts_col, e.count, 2, &ts)) return bad("timestamp column");
  if (!DecodeValueColumn(values_col, e.count, &values)) return bad("value column");
  // Steps are sorted: binary-search the range.
  auto lo = std::lower_bound(steps.begin(), steps.end(), min_step) - steps.begin();
  auto hi = std::upper_bound(steps.begin(), steps.end(), max_step) - steps.begin();
  out->reserve(out->size() + static_cast<size_t>(std::max<ptrdiff_t>(hi - lo, 0)));
  for (auto i = lo; i < hi; ++i) {
    out->push_back(Sample{steps[static_cast<size_t>(i)], ts[static_cast<size_t>(i)],
                          values[static_cast<size_t>(i)]});
  }
  return Status::Ok();
}

}  // namespace runledger::store
