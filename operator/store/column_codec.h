// Column encodings of metric chunks (chunk.h): integers and doubles.
//
// Integer columns (steps, timestamps): delta-of-delta (order 2) or delta
// (order 1), zigzag varints, where a run of zeros is written as a 0 token
// followed by the run length. Monotone steps cost a few bytes per column.
//
// Value columns pick the smallest of three encodings that round-trips
// every value bit for bit:
//   kXor64    Gorilla XOR of 64-bit IEEE patterns (always applicable).
//   kXor32    Gorilla XOR of 32-bit floats, when every value is a float32
//             widened to double (what PyTorch's loss.item() gives).
//   kDecimal  integers v * 10^d (d <= 9), delta coded, when every value is
//             the double nearest to a short decimal (e.g. 0.8125, 12.5).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace runledger::store {

enum class ValueEncoding : uint8_t { kXor64 = 0, kXor32 = 1, kDecimal = 2 };

// Appends `values` as an integer column of the given order (1 or 2).
void EncodeIntColumn(const std::vector<int64_t>& values, int order, std::string* out);
// Decodes exactly `count` values; false if the input is malformed or not
// fully consumed.
bool DecodeIntColumn(std::string_view in, uint64_t count, int order, std::vector<int64_t>* out);

// Appends the encoding byte followed by the column; returns the encoding chosen.
ValueEncoding EncodeValueColumn(const std::vector<double>& values, std::string* out);
bool DecodeValueColumn(std::string_view in, uint64_t count, std::vector<double>* out);

// For tests: encodes with one encoding, or returns false if not applicable.
bool EncodeValueColumnAs(ValueEncoding enc, const std::vector<double>& values, std::string* out);

}  // namespace runledger::store
