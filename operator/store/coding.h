// Byte encodings shared by the WAL, chunks and the manifest: little-endian
// fixed-width integers, LEB128 varints, zigzag for signed values, and a
// bounds-checked Decoder that never reads past its input.
//
// Thread-safety: functions are pure; a Decoder is used by one thread.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace runledger::store {

inline void PutFixed32(std::string* dst, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // Little-endian hosts only (x86-64, aarch64).
  dst->append(b, 4);
}
inline void PutFixed64(std::string* dst, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  dst->append(b, 8);
}
inline uint32_t LoadFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t LoadFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline void PutVarint64(std::string* dst, uint64_t v) {
  char b[10];
  int n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  dst->append(b, n);
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}
inline void PutZigZag64(std::string* dst, int64_t v) { PutVarint64(dst, ZigZag(v)); }

// A varint length followed by the bytes.
inline void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint64(dst, s.size());
  dst->append(s);
}

inline uint64_t DoubleBits(double d) { return std::bit_cast<uint64_t>(d); }
inline double BitsDouble(uint64_t b) { return std::bit_cast<double>(b); }

// Reads the encodings above from a byte range. Every Get* returns false
// (and leaves the decoder failed) instead of reading past the end.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}

  bool GetFixed32(uint32_t* v) {
    if (end_ - p_ < 4) return Fail();
    *v = LoadFixed32(p_);
    p_ += 4;
    return true;
  }
  bool GetFixed64(uint64_t* v) {
    if (end_ - p_ < 8) return Fail();
    *v = LoadFixed64(p_);
    p_ += 8;
    return true;
  }
  bool GetVarint64(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63 && p_ < end_; shift += 7) {
      auto byte = static_cast<uint8_t>(*p_++);
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return Fail();
  }
  bool GetZigZag64(int64_t* v) {
    uint64_t u;
    if (!GetVarint64(&u)) return false;
    *v = UnZigZag(u);
    return true;
  }
  // A varint that must be at most `max` (counts and lengths from untrusted input).
  bool GetBounded(uint64_t max, uint64_t* v) {
    if (!GetVarint64(v)) return false;
    return *v <= max || Fail();
  }
  bool GetBytes(size_t n, std::string_view* out) {
    if (static_cast<size_t>(end_ - p_) < n) return Fail();
    *out = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool GetLengthPrefixed(std::string_view* out) {
    uint64_t n;
    return GetVarint64(&n) && GetBytes(n, out);
  }
  bool GetByte(uint8_t* b) {
    if (p_ >= end_) return Fail();
    *b = static_cast<uint8_t>(*p_++);
    return true;
  }

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool failed() const { return failed_; }
  const char* position() const { return p_; }

 private:
  bool Fail() {
    failed_ = true;
    p_ = end_;
    return false;
  }
  const char* p_;
  const char* end_;
  bool failed_ = false;
};

}  // namespace runledger::store
