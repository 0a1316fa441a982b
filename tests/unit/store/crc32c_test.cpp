#include "store/crc32c.h"

#include <gtest/gtest.h>

#include <string>

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

TEST(Crc32cTest, MaskRoundTripsAndDiffers) {
  uint32_t c = crc32c::Value("foo");
  EXPECT_NE(crc32c::Mask(c), c);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(c)), c);
}

}  // namespace
}  // namespace runledger::store
