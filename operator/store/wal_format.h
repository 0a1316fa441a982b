// The write-ahead log's on-disk format (docs/wal-format.md explains it).
//
// A segment file "<16-digit sequence>.wal" is a sequence of 32 KiB blocks.
// A record is split into fragments so that none crosses a block boundary;
// each fragment is
//
//   checksum: fixed32 LE  masked CRC32C of type byte + payload
//   length:   fixed16 LE  payload bytes in this fragment
//   type:     uint8       kFull | kFirst | kMiddle | kLast
//   payload:  length bytes
//
// A block's last 1..6 bytes, too few for a header, are zero padding.
// Records never span segments.
#pragma once

#include <cstdint>

namespace runledger::store::wal {

enum RecordType : uint8_t {
  kZeroType = 0,  // Never written: zeros mean a preallocated or torn region.
  kFull = 1,
  kFirst = 2,
  kMiddle = 3,
  kLast = 4,
};
constexpr uint8_t kMaxRecordType = kLast;

constexpr int kBlockSize = 32768;
constexpr int kHeaderSize = 4 + 2 + 1;

// The largest record the writer accepts (a batch of 100,000 points fits).
constexpr uint64_t kMaxRecordSize = 64u << 20;

}  // namespace runledger::store::wal
