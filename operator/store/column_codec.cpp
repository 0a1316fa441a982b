// Column encodings: delta(-of-delta) integers with zero runs; Gorilla XOR
// and decimal-scaled doubles.
#include "store/column_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "store/coding.h"

namespace runledger::store {
namespace {

// Bits written most significant first into bytes.
class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}
  void Put(uint64_t v, int n) {  // The low n bits of v, 0 <= n <= 64.
    while (n > 0) {
      int take = std::min(8 - nacc_, n);
      auto chunk = static_cast<unsigned>((v >> (n - take)) & ((1u << take) - 1));
      acc_ = (acc_ << take) | chunk;
      nacc_ += take;
      n -= take;
      if (nacc_ == 8) {
        out_->push_back(static_cast<char>(acc_));
        acc_ = 0;
        nacc_ = 0;
      }
    }
  }
  void Flush() {
    if (nacc_ > 0) out_->push_back(static_cast<char>(acc_ << (8 - nacc_)));
    acc_ = 0;
    nacc_ = 0;
  }

 private:
  std::string* out_;
  unsigned acc_ = 0;
  int nacc_ = 0;
};

class BitReader {
 public:
  explicit BitReader(std::string_view in) : in_(in) {}
  bool Get(int n, uint64_t* v) {
    if (pos_ + static_cast<uint64_t>(n) > in_.size() * 8) return false;
    uint64_t r = 0;
    while (n > 0) {
      int bit = static_cast<int>(pos_ & 7);
      int take = std::min(8 - bit, n);
      auto byte = static_cast<unsigned>(static_cast<uint8_t>(in_[pos_ >> 3]));
      r = (r << take) | ((byte >> (8 - bit - take)) & ((1u << take) - 1));
      pos_ += static_cast<uint64_t>(take);
      n -= take;
    }
    *v = r;
    return true;
  }
  // True if only padding (fewer than 8 bits) is left.
  bool AtEnd() const { return in_.size() * 8 - pos_ < 8; }

 private:
  std::string_view in_;
  uint64_t pos_ = 0;
};

// Gorilla XOR over `width`-bit patterns (32 or 64).
void XorEncode(const std::vector<uint64_t>& bits, int width, std::string* out) {
  BitWriter w(out);
  const int lz_bits = 5, len_bits = width == 64 ? 6 : 5;
  uint64_t prev = 0;
  int prev_lz = -1, prev_tz = 0;
  for (size_t i = 0; i < bits.size(); ++i) {
    if (i == 0) {
      w.Put(bits[0], width);
      prev = bits[0];
      continue;
    }
    uint64_t x = bits[i] ^ prev;
    prev = bits[i];
    if (x == 0) {
      w.Put(0, 1);
      continue;
    }
    int lz = std::countl_zero(x) - (64 - width);
    if (lz > 31) lz = 31;
    int tz = std::countr_zero(x);
    if (prev_lz >= 0 && lz >= prev_lz && tz >= prev_tz) {
      w.Put(2, 2);  // '10': inside the previous window.
      w.Put(x >> prev_tz, width - prev_lz - prev_tz);
    } else {
      int len = width - lz - tz;
      w.Put(3, 2);  // '11': new window.
      w.Put(static_cast<uint64_t>(lz), lz_bits);
      w.Put(static_cast<uint64_t>(len - 1), len_bits);
      w.Put(x >> tz, len);
      prev_lz = lz;
      prev_tz = tz;
    }
  }
  w.Flush();
}

bool XorDecode(std::string_view in, uint64_t count, int width, std::vector<uint64_t>* out) {
  BitReader r(in);
  const int lz_bits = 5, len_bits = width == 64 ? 6 : 5;
  uint64_t prev = 0;
  int prev_lz = -1, prev_tz = 0;
  for (uint64_t i = 0; i < count; ++i) {
    if (i == 0) {
      if (!r.Get(width, &prev)) return false;
      out->push_back(prev);
      continue;
    }
    uint64_t ctrl, v;
    if (!r.Get(1, &ctrl)) return false;
    if (ctrl == 1) {
      if (!r.Get(1, &ctrl)) return false;
      if (ctrl == 0) {
        if (prev_lz < 0) return false;
        if (!r.Get(width - prev_lz - prev_tz, &v)) return false;
        prev ^= v << prev_tz;
      } else {
        uint64_t lz, len;
        if (!r.Get(lz_bits, &lz) || !r.Get(len_bits, &len)) return false;
        ++len;
        if (lz + len > static_cast<uint64_t>(width)) return false;
        if (!r.Get(static_cast<int>(len), &v)) return false;
        prev_lz = static_cast<int>(lz);
        prev_tz = width - prev_lz - static_cast<int>(len);
        prev ^= v << prev_tz;
      }
    }
    out->push_back(prev);
  }
  return r.AtEnd();
}

constexpr int kMaxDecimals = 9;
constexpr double kPow10[kMaxDecimals + 1] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

// The scaled integers if every value is exactly r / 10^d for some d.
bool ToDecimal(const std::vector<double>& values, int* digits, std::vector<int64_t>* scaled) {
  for (int d = 0; d <= kMaxDecimals; ++d) {
    scaled->clear();
    bool ok = true;
    for (double v : values) {
      double s = v * kPow10[d];
      if (!std::isfinite(s) || std::fabs(s) >= 9007199254740992.0) {  // 2^53
        ok = false;
        break;
      }
      auto r = static_cast<int64_t>(std::llround(s));
      if (DoubleBits(static_cast<double>(r) / kPow10[d]) != DoubleBits(v)) {
        ok = false;  // Also rejects -0.0, which would come back as +0.0.
        break;
      }
      scaled->push_back(r);
    }
    if (ok) {
      *digits = d;
      return true;
    }
  }
  return false;
}

}  // namespace

void EncodeIntColumn(const std::vector<int64_t>& values, int order, std::string* out) {
  uint64_t prev = 0, prev_delta = 0;
  uint64_t zero_run = 0;
  auto flush_zeros = [&] {
    if (zero_run == 0) return;
    PutVarint64(out, 0);
    PutVarint64(out, zero_run);
    zero_run = 0;
  };
  for (size_t i = 0; i < values.size(); ++i) {
    auto v = static_cast<uint64_t>(values[i]);
    uint64_t delta = v - prev;  // Unsigned: wraps instead of overflowing.
    uint64_t token = order == 2 && i > 0 ? delta - prev_delta : delta;
    prev = v;
    prev_delta = delta;
    if (i > 0 && token == 0) {
      ++zero_run;
      continue;
    }
    flush_zeros();
    if (i == 0) {
      PutZigZag64(out, static_cast<int64_t>(token));  // The first value, verbatim.
    } else {
      PutVarint64(out, ZigZag(static_cast<int64_t>(token)));  // Never 0 here.
    }
  }
  flush_zeros();
}

bool DecodeIntColumn(std::string_view in, uint64_t count, int order, std::vector<int64_t>* out) {
  Decoder d(in);
  uint64_t prev = 0, prev_delta = 0;
  for (uint64_t i = 0; i < count;) {
    uint64_t token;
    uint64_t repeat = 1;
    if (i == 0) {
      int64_t first;
      if (!d.GetZigZag64(&first)) return false;
      token = static_cast<uint64_t>(first);
    } else {
      uint64_t z;
      if (!d.GetVarint64(&z)) return false;
      if (z == 0) {
        if (!d.GetVarint64(&repeat) || repeat == 0 || repeat > count - i) return false;
        token = 0;
      } else {
        token = static_cast<uint64_t>(UnZigZag(z));
      }
    }
    for (uint64_t k = 0; k < repeat; ++k, ++i) {
      uint64_t delta = order == 2 && i > 0 ? prev_delta + token : token;
      prev += delta;
      prev_delta = delta;
      out->push_back(static_cast<int64_t>(prev));
    }
  }
  return d.remaining() == 0;
}

bool EncodeValueColumnAs(ValueEncoding enc, const std::vector<double>& values, std::string* out) {
  switch (enc) {
    case ValueEncoding::kXor64: {
      std::vector<uint64_t> bits;
      bits.reserve(values.size());
      for (double v : values) bits.push_back(DoubleBits(v));
      out->push_back(static_cast<char>(enc));
      XorEncode(bits, 64, out);
      return true;
    }
    case ValueEncoding::kXor32: {
      std::vector<uint64_t> bits;
      bits.reserve(values.size());
      for (double v : values) {
        auto f = static_cast<float>(v);
        if (DoubleBits(static_cast<double>(f)) != DoubleBits(v)) return false;
        bits.push_back(std::bit_cast<uint32_t>(f));
      }
      out->push_back(static_cast<char>(enc));
      XorEncode(bits, 32, out);
      return true;
    }
    case ValueEncoding::kDecimal: {
      int digits;
      std::vector<int64_t> scaled;
      if (!ToDecimal(values, &digits, &scaled)) return false;
      out->push_back(static_cast<char>(enc));
      out->push_back(static_cast<char>(digits));
      EncodeIntColumn(scaled, 1, out);
      return true;
    }
  }
  return false;
}

ValueEncoding EncodeValueColumn(const std::vector<double>& values, std::string* out) {
  std::string best;
  auto chosen = ValueEncoding::kXor64;
  for (auto enc : {ValueEncoding::kXor64, ValueEncoding::kXor32, ValueEncoding::kDecimal}) {
    std::string candidate;
    if (EncodeValueColumnAs(enc, values, &candidate) &&
        (best.empty() || candidate.size() < best.size())) {
      best = std::move(candidate);
      chosen = enc;
    }
  }
  out->append(best);
  return chosen;
}

bool DecodeValueColumn(std::string_view in, uint64_t count, std::vector<double>* out) {
  if (in.empty()) return false;
  auto enc = static_cast<ValueEncoding>(in[0]);
  in.remove_prefix(1);
  std::vector<uint64_t> bits;
  switch (enc) {
    case ValueEncoding::kXor64:
      if (!XorDecode(in, count, 64, &bits)) return false;
      for (uint64_t b : bits) out->push_back(BitsDouble(b));
      return true;
    case ValueEncoding::kXor32:
      if (!XorDecode(in, count, 32, &bits)) return false;
      for (uint64_t b : bits) {
        out->push_back(static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(b))));
      }
      return true;
    case ValueEncoding::kDecimal: {
      if (in.empty() || static_cast<uint8_t>(in[0]) > kMaxDecimals) return false;
      int digits = in[0];
      std::vector<int64_t> scaled;
      if (!DecodeIntColumn(in.substr(1), count, 1, &scaled)) return false;
      for (int64_t r : scaled) out->push_back(static_cast<double>(r) / kPow10[digits]);
      return true;
    }
  }
  return false;
}

}  // namespace runledger::store
