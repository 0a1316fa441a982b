// Framing of WAL records into fragments (wal_format.h), and parsing a
// segment's bytes back into records.
//
// RecordFramer turns records into bytes; it keeps only the offset within
// the current block. ParseSegment reads a whole segment image and tells a
// torn tail (the end of the log) apart from corruption (an error):
//   - A fragment that is incomplete, fails its checksum or breaks the
//     FIRST/MIDDLE/LAST order is "bad". If no valid fragment follows it in
//     the segment (checked at every later offset of its block and at every
//     later block start), it is a torn tail: valid_end is the offset of the
//     record it belongs to. Otherwise it is corruption at that offset.
// Thread-safety: none; each object is used by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/crc32c.h"
#include "store/wal_format.h"

namespace runledger::store::wal {

class RecordFramer {
 public:
  // `block_offset`: bytes already used in the current block of the segment
  // (the segment size modulo kBlockSize).
  explicit RecordFramer(uint64_t block_offset = 0)
      : block_offset_(static_cast<int>(block_offset % kBlockSize)) {}
  // Appends the fragments of one record to `out`.
  void Frame(std::string_view record, std::string* out);

 private:
  int block_offset_;
};

struct SegmentParse {
  enum class End {
    kClean,    // Ended on a record boundary.
    kTorn,     // An incomplete or bad record at the very end (no valid data after it).
    kCorrupt,  // A bad record followed by valid ones; `status` names the offset.
  };
  End end = End::kClean;
  uint64_t valid_end = 0;  // Offset just past the last good record.
  uint64_t records = 0;
  Status status;            // Corruption("... at offset N: reason") when kCorrupt.
  std::string torn_reason;  // Why the tail was torn, for the log line.
};

// Calls on_record(payload, offset_of_record) for each good record, in order,
// until the end or the first bad record. `data` is the whole segment.
// A non-OK status from on_record stops the parse and is returned in status
// with End::kCorrupt.
template <typename OnRecord>
SegmentParse ParseSegment(std::string_view data, OnRecord&& on_record);

// The non-template core: returns records one by one.
class SegmentReader {
 public:
  explicit SegmentReader(std::string_view data) : data_(data) {}
  // Next good record; false at the end (then Finish() says which end).
  bool Next(std::string_view* record, uint64_t* offset);
  SegmentParse Finish() const { return result_; }

 private:
  // Reads one fragment at pos_; false if it is bad (reason set).
  bool ReadFragment(uint8_t* type, std::string_view* payload, std::string* reason);
  // Ends the parse at a bad record; torn unless a valid fragment follows `scan_from`.
  void MarkBad(uint64_t record_offset, uint64_t scan_from, const std::string& reason);
  // Header checks short of the checksum (type, length within the block and
  // the data, FIRST/MIDDLE ending at the block's end).
  RUNLEDGER_NO_FUZZ_COVERAGE bool PlausibleHeaderAt(uint64_t pos, uint8_t* type, size_t* len) const;
  bool ValidFragmentAt(uint64_t pos) const;
  // The first offset >= from holding a valid fragment (every offset of from's
  // block, then every later block start), or data_.size().
  RUNLEDGER_NO_FUZZ_COVERAGE uint64_t FindValidFragment(uint64_t from) const;

  std::string_view data_;
  uint64_t pos_ = 0;
  std::string scratch_;
  SegmentParse result_;
  bool done_ = false;
};

template <typename OnRecord>
SegmentParse ParseSegment(std::string_view data, OnRecord&& on_record) {
  SegmentReader reader(data);
  std::string_view rec;
  uint64_t off;
  while (reader.Next(&rec, &off)) {
    Status s = on_record(rec, off);
    if (!s.ok()) {
      SegmentParse p = reader.Finish();
      p.end = SegmentParse::End::kCorrupt;
      p.valid_end = off;
      p.status = s.WithContext("record at offset " + std::to_string(off));
      return p;
    }
  }
  return reader.Finish();
}

}  // namespace runledger::store::wal
