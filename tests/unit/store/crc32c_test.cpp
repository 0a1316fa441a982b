#include "store/crc32c.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace runledger::store {
namespace {

TEST(Crc32cTest, MatchesRfc3720Vectors) {
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(crc32c::Value(ones), 0x62a8ab43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c::Value(ascending), 0x46dd794eu);
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
}

TEST(Crc32cTest, ExtendEqualsWholeValue) {
  std::string s = "hello runledger, a longer string to cross eight-byte words";
  for (size_t split = 0; split <= s.size(); ++split) {
    uint32_t c =
        crc32c::Extend(crc32c::Value(s.substr(0, split)), s.data() + split, s.size() - split);
    EXPECT_EQ(c, crc32c::Value(s)) << split;
  }
}

TEST(Crc32cTest, OfSuffixEqualsDirectValue) {
  std::string data;
  for (int i = 0; i < 5000; ++i) data.push_back(static_cast<char>(i * 131 + (i >> 3)));
  for (size_t a : {0, 1, 7, 100, 4999}) {
    for (size_t b : {a, a + 1, a + 9, size_t{5000}}) {
      if (b > data.size()) continue;
      uint32_t prefix = crc32c::Value(data.data(), a), whole = crc32c::Value(data.data(), b);
      EXPECT_EQ(crc32c::OfSuffix(prefix, whole, b - a), crc32c::Value(data.data() + a, b - a))
          << a << ".." << b;
    }
  }
}

TEST(Crc32cTest, OfSuffixBeyondTheTableEqualsDirectValue) {
  std::string data(100000, 'z');
  for (size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<char>(i);
  uint32_t prefix = crc32c::Value(data.data(), 10), whole = crc32c::Value(data);
  EXPECT_EQ(crc32c::OfSuffix(prefix, whole, data.size() - 10),
            crc32c::Value(data.data() + 10, data.size() - 10));
}

TEST(Crc32cTest, PrefixValuesMatchValue) {
  std::string data = "123456789 and some more bytes";
  std::vector<uint32_t> out(data.size() + 1);
  crc32c::PrefixValues(data.data(), data.size(), out.data());
  for (size_t i = 0; i <= data.size(); ++i) EXPECT_EQ(out[i], crc32c::Value(data.data(), i)) << i;
}

TEST(Crc32cTest, MaskRoundTripsAndDiffers) {
  uint32_t c = crc32c::Value("foo");
  EXPECT_NE(crc32c::Mask(c), c);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(c)), c);
}

}  // namespace
}  // namespace runledger::store
