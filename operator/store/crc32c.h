// CRC32C (Castagnoli), the checksum of WAL records, chunks and the manifest.
//
// Uses the SSE4.2 crc32 instruction when the CPU has it, a table otherwise;
// both give the same values (RFC 3720 test vectors in crc32c_test.cpp).
// Thread-safety: all functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace runledger::store::crc32c {

// Returns the CRC32C of `data` appended to a stream whose CRC so far is `crc`.
uint32_t Extend(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// A CRC of data that itself contains CRCs is weak, so stored CRCs are masked
// (the LevelDB trick: rotate and add a constant).
inline uint32_t Mask(uint32_t crc) {
  constexpr uint32_t kMaskDelta = 0xa282ead8u;
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
inline uint32_t Unmask(uint32_t masked) {
  constexpr uint32_t kMaskDelta = 0xa282ead8u;
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace runledger::store::crc32c
