// Hash64: a fast 64-bit hash for idempotency ids and batch contents.
// Not cryptographic: ids are compared by hash (a collision between two live
// ids in the window has odds near 2^-32 at 65,536 ids). Pure function.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace runledger::store {

inline uint64_t HashMix(uint64_t h) {  // The murmur3 finaliser.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

inline uint64_t Hash64(std::string_view s, uint64_t seed = 0) {
  uint64_t h = HashMix(seed ^ (0x9e3779b97f4a7c15ULL * (s.size() + 1)));
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = HashMix(h ^ v) * 0x9e3779b97f4a7c15ULL;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  return HashMix(h ^ tail ^ (static_cast<uint64_t>(n) << 56));
}

}  // namespace runledger::store
