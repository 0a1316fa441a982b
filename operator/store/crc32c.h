// CRC32C (Castagnoli), the checksum of WAL records, chunks and the manifest.
//
// Uses the SSE4.2 crc32 instruction when the CPU has it, a table otherwise;
// both give the same values (RFC 3720 test vectors in crc32c_test.cpp).
// Thread-safety: all functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

// Marks a tight scanning loop whose branches carry no input structure worth
// steering a fuzzer by: clang then leaves out its coverage and comparison
// hooks, which otherwise cost fuzzing more than the work itself (the scan
// of a bad WAL block ran at a fifth of its speed with them).
#if defined(__clang__)
#define RUNLEDGER_NO_FUZZ_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define RUNLEDGER_NO_FUZZ_COVERAGE
#endif

namespace runledger::store::crc32c {

// Returns the CRC32C of `data` appended to a stream whose CRC so far is `crc`.
uint32_t Extend(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// The CRC32C of the `n` bytes that follow a prefix, from the CRC of the
// prefix (`prefix`) and of the prefix plus those bytes (`whole`), without
// reading the bytes (CRCs are linear over GF(2); zlib's
// crc32_combine uses the same identity). Lets a scan check a checksum at
// every offset of a block from one pass of prefix CRCs.
// Fastest for n <= 32768 (one table lookup; the table is built on first use).
RUNLEDGER_NO_FUZZ_COVERAGE uint32_t OfSuffix(uint32_t prefix, uint32_t whole, size_t n);

// out[i] = Value(data, i) for every i in [0, n]: n + 1 values in one pass.
RUNLEDGER_NO_FUZZ_COVERAGE void PrefixValues(const char* data, size_t n, uint32_t* out);

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
