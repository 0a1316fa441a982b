// CRC32C: a slicing-by-8 table and the SSE4.2 instruction, chosen at start.
#include "store/crc32c.h"

#include <array>
#include <cstring>
#include <vector>

namespace runledger::store::crc32c {
namespace {

constexpr uint32_t kPoly = 0x82f63b78u;  // Castagnoli, reflected.

struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  constexpr Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};
constexpr Tables kTables;

uint32_t ExtendTable(uint32_t crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  const auto& t = kTables.t;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);  // Little-endian host (x86-64, aarch64).
    v ^= c;
    c = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^ t[4][(v >> 24) & 0xff] ^
        t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t crc, const char* data,
                                                          size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint64_t c = ~crc;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = __builtin_ia32_crc32di(c, v);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return ~c32;
}

using ExtendFn = uint32_t (*)(uint32_t, const char*, size_t);
ExtendFn Choose() { return __builtin_cpu_supports("sse4.2") ? ExtendHardware : ExtendTable; }
const ExtendFn kExtend = Choose();
#else
constexpr auto kExtend = ExtendTable;
#endif

}  // namespace

uint32_t Extend(uint32_t crc, const char* data, size_t n) { return kExtend(crc, data, n); }

namespace {

// a * b modulo the CRC polynomial, both in the reflected bit order of the
// CRC register (bit 31 is x^0).
RUNLEDGER_NO_FUZZ_COVERAGE uint32_t MultModP(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t m = 1u << 31; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b & 1) ? (b >> 1) ^ kPoly : b >> 1;
  }
  return product;
}

// kPow[k] = x^(8 * 2^k) mod P: appending 2^k zero bytes.
struct Powers {
  std::array<uint32_t, 64> pow{};
  constexpr Powers() {
    uint32_t p = 1u << 23;  // x^8.
    for (auto& v : pow) {
      v = p;
      // Square p.
      uint32_t sq = 0, b = p;
      for (uint32_t m = 1u << 31; m != 0; m >>= 1) {
        if (p & m) sq ^= b;
        b = (b & 1) ? (b >> 1) ^ kPoly : b >> 1;
      }
      p = sq;
    }
  }
};
constexpr Powers kPowers;

}  // namespace

uint32_t OfSuffix(uint32_t prefix, uint32_t whole, size_t n) {
  // whole = prefix * x^(8n) + suffix (mod P), the pre- and post-conditioning
  // of the two CRCs cancelling out.
  constexpr size_t kTabled = 32768;
  static const std::vector<uint32_t> shifts = [] {
    std::vector<uint32_t> v(kTabled + 1);
    v[0] = 1u << 31;  // x^0.
    for (size_t i = 1; i <= kTabled; ++i) v[i] = MultModP(v[i - 1], kPowers.pow[0]);
    return v;
  }();
  uint32_t shift;
  if (n <= kTabled) {
    shift = shifts[n];
  } else {
    shift = 1u << 31;
    for (int k = 0; n != 0; n >>= 1, ++k) {
      if (n & 1) shift = MultModP(shift, kPowers.pow[k]);
    }
  }
  return whole ^ MultModP(shift, prefix);
}

namespace {

RUNLEDGER_NO_FUZZ_COVERAGE void PrefixValuesTable(const char* data, size_t n, uint32_t* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  const auto& t = kTables.t[0];
  uint32_t c = ~0u;  // The register for an empty prefix (Value = ~c = 0).
  out[0] = 0;
  for (size_t i = 0; i < n; ++i) {
    c = t[(c ^ p[i]) & 0xff] ^ (c >> 8);
    out[i + 1] = ~c;
  }
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) RUNLEDGER_NO_FUZZ_COVERAGE void PrefixValuesHardware(
    const char* data, size_t n, uint32_t* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint32_t c = ~0u;
  out[0] = 0;
  for (size_t i = 0; i < n; ++i) {
    c = __builtin_ia32_crc32qi(c, p[i]);
    out[i + 1] = ~c;
  }
}
const auto kPrefixValues =
    __builtin_cpu_supports("sse4.2") ? PrefixValuesHardware : PrefixValuesTable;
#else
constexpr auto kPrefixValues = PrefixValuesTable;
#endif

}  // namespace

void PrefixValues(const char* data, size_t n, uint32_t* out) { kPrefixValues(data, n, out); }

}  // namespace runledger::store::crc32c
