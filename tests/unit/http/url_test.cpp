// Percent-decoding of query strings and paths (http/url.h).
#include "http/url.h"

#include <gtest/gtest.h>

#include <string>

namespace runledger::http {
namespace {

TEST(PercentDecodeTest, PercentAndPlus) {
  EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(PercentDecode("%2Fx%2fy", true), "/x/y");
  EXPECT_EQ(PercentDecode("caf%C3%A9", true), "caf\xc3\xa9");
  EXPECT_EQ(PercentDecode("%2B", true), "+");
  EXPECT_EQ(PercentDecode("%00", true), std::string(1, '\0'));
}

TEST(PercentDecodeTest, BrokenEscapesStayAsTheyAre) {
  EXPECT_EQ(PercentDecode("%", true), "%");
  EXPECT_EQ(PercentDecode("100%", true), "100%");
  EXPECT_EQ(PercentDecode("%4", true), "%4");
  EXPECT_EQ(PercentDecode("%zz", true), "%zz");
  EXPECT_EQ(PercentDecode("%%41", true), "%A");
}

TEST(PercentDecodeTest, PlusStaysInPaths) { EXPECT_EQ(PercentDecode("a+b%20c", false), "a+b c"); }

TEST(QueryParamTest, FindsTheDecodedValueOfTheFirstMatch) {
  EXPECT_EQ(QueryParam("a=1&path=x%2Fy+z&path=2", "path"), "x/y z");
  EXPECT_EQ(QueryParam("flag&b=2", "flag"), "");
  EXPECT_FALSE(QueryParam("a=1", "b").has_value());
}

}  // namespace
}  // namespace runledger::http
