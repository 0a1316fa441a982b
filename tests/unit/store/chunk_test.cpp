#include "store/chunk.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "store/column_codec.h"

namespace runledger::store {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void ExpectBitsEqual(const std::vector<double>& a, const std::vector<double>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(std::bit_cast<uint64_t>(a[i]), std::bit_cast<uint64_t>(b[i])) << "at " << i;
  }
}

std::vector<double> RoundTripValues(const std::vector<double>& v, ValueEncoding* chosen = nullptr) {
  std::string col;
  ValueEncoding enc = EncodeValueColumn(v, &col);
  if (chosen) *chosen = enc;
  std::vector<double> out;
  EXPECT_TRUE(DecodeValueColumn(col, v.size(), &out));
  return out;
}

TEST(ColumnCodecTest, IntColumnRoundTripsMonotoneAndIrregular) {
  std::vector<int64_t> v;
  for (int i = 0; i < 1000; ++i) v.push_back(i * 10);
  v.push_back(5);
  v.push_back(INT64_MAX);
  v.push_back(INT64_MIN);
  v.push_back(0);
  for (int order : {1, 2}) {
    std::string col;
    EncodeIntColumn(v, order, &col);
    std::vector<int64_t> out;
    ASSERT_TRUE(DecodeIntColumn(col, v.size(), order, &out));
    EXPECT_EQ(out, v);
  }
}

TEST(ColumnCodecTest, RegularStepsCostAFewBytesForTheWholeColumn) {
  std::vector<int64_t> v;
  for (int i = 0; i < 100000; ++i) v.push_back(1000 + i * 5);
  std::string col;
  EncodeIntColumn(v, 2, &col);
  EXPECT_LE(col.size(), 10u);
}

TEST(ColumnCodecTest, IntColumnRejectsWrongCountAndTrailingBytes) {
  std::string col;
  EncodeIntColumn({1, 2, 3}, 2, &col);
  std::vector<int64_t> out;
  EXPECT_FALSE(DecodeIntColumn(col, 4, 2, &out));
  out.clear();
  EXPECT_FALSE(DecodeIntColumn(col + "x", 3, 2, &out));
}

TEST(ColumnCodecTest, NanAndInfinityKeptBitForBit) {
  std::vector<double> v = {1.5,
                           std::numeric_limits<double>::quiet_NaN(),
                           kInf,
                           -kInf,
                           -0.0,
                           std::bit_cast<double>(uint64_t{0x7ff0000000000123}),  // Payload NaN.
                           std::bit_cast<double>(uint64_t{0xfff8000000000001}),  // Negative NaN.
                           std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::max(),
                           0.0};
  ValueEncoding enc;
  ExpectBitsEqual(RoundTripValues(v, &enc), v);
  EXPECT_EQ(enc, ValueEncoding::kXor64);
}

TEST(ColumnCodecTest, EveryEncodingRoundTripsWhereApplicable) {
  std::vector<double> floats, decimals;
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0, 0.05f);
  for (int i = 0; i < 500; ++i) {
    floats.push_back(static_cast<double>(2.0f * std::exp(-i / 200.0f) + noise(rng)));
    decimals.push_back(static_cast<double>(i * 37 % 10000) / 1e4);
  }
  for (auto enc : {ValueEncoding::kXor64, ValueEncoding::kXor32, ValueEncoding::kDecimal}) {
    for (const auto* v : {&floats, &decimals}) {
      std::string col;
      if (!EncodeValueColumnAs(enc, *v, &col)) continue;
      std::vector<double> out;
      ASSERT_TRUE(DecodeValueColumn(col, v->size(), &out));
      ExpectBitsEqual(out, *v);
    }
  }
  ValueEncoding enc;
  RoundTripValues(floats, &enc);
  EXPECT_EQ(enc, ValueEncoding::kXor32);
  RoundTripValues(decimals, &enc);
  EXPECT_EQ(enc, ValueEncoding::kDecimal);
}

TEST(ColumnCodecTest, NegativeZeroIsNotDecimal) {
  std::string col;
  EXPECT_FALSE(EncodeValueColumnAs(ValueEncoding::kDecimal, {1.0, -0.0}, &col));
}

TEST(ColumnCodecTest, ConstantValuesCompressToBits) {
  std::vector<double> v(10000, 3e-4);
  std::string col;
  EncodeValueColumn(v, &col);
  EXPECT_LT(col.size(), 1300u);
}

Series MakeSeries(std::string key, int n, int64_t step0) {
  Series s{std::move(key), {}};
  for (int i = 0; i < n; ++i) {
    s.samples.push_back(Sample{step0 + i, 1700000000000 + i * 250, 1.0 / (i + 1)});
  }
  return s;
}

TEST(ChunkTest, RoundTripsSeveralKeys) {
  std::vector<Series> in = {MakeSeries("loss", 1000, 0), MakeSeries("acc", 10, 100),
                            Series{"empty", {}}};
  in[1].samples.push_back(Sample{200, 5, std::numeric_limits<double>::quiet_NaN()});
  std::string bytes = EncodeChunk(in);
  auto r = ChunkReader::Open(bytes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->entries().size(), 3u);
  for (const Series& s : in) {
    const auto* e = r->Find(s.key);
    ASSERT_NE(e, nullptr);
    std::vector<Sample> out;
    ASSERT_TRUE(r->Read(*e, INT64_MIN, INT64_MAX, &out).ok());
    EXPECT_EQ(out, s.samples) << s.key;
  }
  EXPECT_EQ(r->Find("nope"), nullptr);
}

TEST(ChunkTest, ReadHonoursStepRange) {
  std::string bytes = EncodeChunk({MakeSeries("loss", 100, 0)});
  auto r = ChunkReader::Open(bytes);
  ASSERT_TRUE(r.ok());
  std::vector<Sample> out;
  ASSERT_TRUE(r->Read(*r->Find("loss"), 10, 19, &out).ok());
  ASSERT_EQ(out.size(), 10u);
  EXPECT_EQ(out.front().step, 10);
  EXPECT_EQ(out.back().step, 19);
}

TEST(ChunkTest, FlippedBitIsCorruption) {
  std::string bytes = EncodeChunk({MakeSeries("loss", 100, 0)});
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string bad = bytes;
    bad[i] ^= 0x10;
    auto r = ChunkReader::Open(bad);
    EXPECT_FALSE(r.ok()) << "flip at " << i;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kCorruption);
    }
  }
}

TEST(ChunkTest, TruncatedChunkIsCorruption) {
  std::string bytes = EncodeChunk({MakeSeries("loss", 100, 0)});
  for (size_t n = 0; n < bytes.size(); n += 5) {
    EXPECT_FALSE(ChunkReader::Open(bytes.substr(0, n)).ok()) << n;
  }
}

}  // namespace
}  // namespace runledger::store
