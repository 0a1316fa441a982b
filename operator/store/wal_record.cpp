// WAL record framing and segment parsing (format in wal_format.h).
#include "store/wal_record.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "store/coding.h"
#include "store/crc32c.h"

namespace runledger::store::wal {
namespace {

uint32_t FragmentCrc(uint8_t type, const char* payload, size_t n) {
  char t = static_cast<char>(type);
  return crc32c::Extend(crc32c::Value(&t, 1), payload, n);
}

}  // namespace

void RecordFramer::Frame(std::string_view record, std::string* out) {
  bool begin = true;
  do {
    int leftover = kBlockSize - block_offset_;
    if (leftover < kHeaderSize) {
      out->append(static_cast<size_t>(leftover), '\0');  // Block trailer.
      block_offset_ = 0;
    }
    size_t avail = static_cast<size_t>(kBlockSize - block_offset_ - kHeaderSize);
    size_t n = std::min(record.size(), avail);
    bool end = n == record.size();
    uint8_t type = begin && end ? kFull : begin ? kFirst : end ? kLast : kMiddle;
    PutFixed32(out, crc32c::Mask(FragmentCrc(type, record.data(), n)));
    out->push_back(static_cast<char>(n & 0xff));
    out->push_back(static_cast<char>(n >> 8));
    out->push_back(static_cast<char>(type));
    out->append(record.data(), n);
    block_offset_ += kHeaderSize + static_cast<int>(n);
    record.remove_prefix(n);
    begin = false;
  } while (!record.empty());
}

bool SegmentReader::PlausibleHeaderAt(uint64_t pos, uint8_t* type, size_t* len) const {
  uint64_t avail = data_.size() - pos;
  uint64_t block_left = kBlockSize - pos % kBlockSize;
  if (avail < kHeaderSize || block_left < kHeaderSize) return false;
  const char* h = data_.data() + pos;
  *type = static_cast<uint8_t>(h[6]);
  // The type first: it alone rules out nearly every offset of a scan.
  if (*type == kZeroType || *type > kMaxRecordType) return false;
  *len = static_cast<uint8_t>(h[4]) | (static_cast<size_t>(static_cast<uint8_t>(h[5])) << 8);
  if (kHeaderSize + *len > block_left || kHeaderSize + *len > avail) return false;
  // The writer splits a record only where a block is full, so a FIRST or
  // MIDDLE fragment always ends exactly at its block's end.
  return !((*type == kFirst || *type == kMiddle) && kHeaderSize + *len != block_left);
}

bool SegmentReader::ValidFragmentAt(uint64_t pos) const {
  uint8_t type;
  size_t len;
  if (!PlausibleHeaderAt(pos, &type, &len)) return false;
  const char* h = data_.data() + pos;
  return crc32c::Unmask(LoadFixed32(h)) == FragmentCrc(type, h + kHeaderSize, len);
}

bool SegmentReader::ReadFragment(uint8_t* type, std::string_view* payload, std::string* reason) {
  uint64_t avail = data_.size() - pos_;
  uint64_t block_left = kBlockSize - pos_ % kBlockSize;
  if (avail < kHeaderSize) {
    *reason = "segment ends inside a fragment header";
    return false;
  }
  const char* h = data_.data() + pos_;
  uint32_t crc = LoadFixed32(h);
  size_t len = static_cast<uint8_t>(h[4]) | (static_cast<size_t>(static_cast<uint8_t>(h[5])) << 8);
  *type = static_cast<uint8_t>(h[6]);
  if (*type == kZeroType && len == 0 && crc == 0) {
    *reason = "zero-filled header";
    return false;
  }
  if (*type == kZeroType || *type > kMaxRecordType) {
    *reason = "unknown fragment type " + std::to_string(*type);
    return false;
  }
  if (kHeaderSize + len > block_left) {
    *reason = "fragment length " + std::to_string(len) + " crosses a block boundary";
    return false;
  }
  if (kHeaderSize + len > avail) {
    *reason = "segment ends inside a fragment";
    return false;
  }
  if (crc32c::Unmask(crc) != FragmentCrc(*type, h + kHeaderSize, len)) {
    *reason = "checksum mismatch";
    return false;
  }
  *payload = std::string_view(h + kHeaderSize, len);
  pos_ += kHeaderSize + len;
  return true;
}

uint64_t SegmentReader::FindValidFragment(uint64_t from) const {
  uint64_t block_start = from / kBlockSize * kBlockSize;
  uint64_t block_end = std::min<uint64_t>(block_start + kBlockSize, data_.size());
  // A fragment's checksum covers its type byte and payload, which are
  // contiguous. With the CRC of every prefix of the rest of the block, the
  // checksum of a candidate costs one table lookup and one multiplication
  // (crc32c::OfSuffix) instead of a pass over its payload, so scanning a bad
  // block is linear, not quadratic. Candidates are the offsets whose type
  // byte (header byte 6) is a known type, found with memchr per type and
  // visited in order.
  const char* base = data_.data();
  const char* next[kMaxRecordType];
  auto find = [&](uint64_t at, uint8_t type) -> const char* {
    if (at >= block_end) return nullptr;
    return static_cast<const char*>(std::memchr(base + at, type, block_end - at));
  };
  for (uint8_t t = 1; t <= kMaxRecordType; ++t) next[t - 1] = find(from + 6, t);
  std::unique_ptr<uint32_t[]> prefix;  // Made at the first plausible candidate.
  while (true) {
    int best = -1;
    for (int i = 0; i < kMaxRecordType; ++i) {
      if (next[i] != nullptr && (best < 0 || next[i] < next[best])) best = i;
    }
    if (best < 0) break;
    const char* type_byte = next[best];
    next[best] = find(static_cast<uint64_t>(type_byte - base) + 1, static_cast<uint8_t>(best + 1));
    uint64_t p = static_cast<uint64_t>(type_byte - base) - 6;
    size_t len;
    uint8_t type;
    if (!PlausibleHeaderAt(p, &type, &len)) continue;
    if (!prefix) {
      // From `from` on: every candidate's checksummed bytes lie after it.
      prefix = std::make_unique_for_overwrite<uint32_t[]>(block_end - from + 1);
      crc32c::PrefixValues(base + from, block_end - from, prefix.get());
    }
    uint64_t begin = p + kHeaderSize - 1 - from, end = begin + 1 + len;
    uint32_t crc = crc32c::OfSuffix(prefix[begin], prefix[end], 1 + len);
    if (crc32c::Unmask(LoadFixed32(base + p)) == crc) return p;
  }
  for (uint64_t p = block_end; p < data_.size(); p += kBlockSize) {
    if (ValidFragmentAt(p)) return p;
  }
  return data_.size();
}

void SegmentReader::MarkBad(uint64_t record_offset, uint64_t scan_from, const std::string& reason) {
  done_ = true;
  result_.valid_end = record_offset;
  // Any valid fragment after the bad spot means this is not a torn tail.
  uint64_t next = FindValidFragment(scan_from);
  if (next < data_.size()) {
    result_.end = SegmentParse::End::kCorrupt;
    result_.status =
        Corruption("corrupt record at offset " + std::to_string(record_offset) + ": " + reason +
                   " (valid data follows at offset " + std::to_string(next) + ")");
    return;
  }
  result_.end = SegmentParse::End::kTorn;
  result_.torn_reason = "torn record at offset " + std::to_string(record_offset) + ": " + reason;
}

bool SegmentReader::Next(std::string_view* record, uint64_t* offset) {
  if (done_) return false;
  scratch_.clear();
  bool in_record = false;
  uint64_t record_start = pos_;
  while (true) {
    uint64_t block_left = kBlockSize - pos_ % kBlockSize;
    if (block_left < kHeaderSize) pos_ = std::min<uint64_t>(pos_ + block_left, data_.size());
    if (pos_ >= data_.size()) {
      if (in_record) {
        MarkBad(record_start, data_.size(), "segment ends inside a record");
        return false;
      }
      done_ = true;
      return false;
    }
    if (!in_record) record_start = pos_;
    uint64_t fragment_start = pos_;
    uint8_t type;
    std::string_view payload;
    std::string reason;
    if (!ReadFragment(&type, &payload, &reason)) {
      MarkBad(record_start, fragment_start + 1, reason);
      return false;
    }
    bool order_ok =
        in_record ? (type == kMiddle || type == kLast) : (type == kFull || type == kFirst);
    if (!order_ok) {
      // The fragment itself is valid, so valid data follows: scan from it.
      MarkBad(record_start, fragment_start,
              in_record ? "record ends without a LAST fragment"
                        : "MIDDLE or LAST fragment without a FIRST");
      return false;
    }
    if (type == kFull) {
      *record = payload;
    } else {
      scratch_.append(payload);
      in_record = true;
      if (type != kLast) continue;
      *record = scratch_;
    }
    *offset = record_start;
    result_.valid_end = pos_;
    ++result_.records;
    return true;
  }
}

}  // namespace runledger::store::wal
