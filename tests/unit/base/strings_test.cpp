#include "base/strings.h"

#include <gtest/gtest.h>

namespace runledger {
namespace {

TEST(TrimSpaceTest, DropsSpaceTabsAndNewlinesAtBothEnds) {
  EXPECT_EQ(TrimSpace(" \t tok.en \r\n"), "tok.en");
}

TEST(TrimSpaceTest, KeepsSpaceInside) { EXPECT_EQ(TrimSpace("a b\nc"), "a b\nc"); }

TEST(TrimSpaceTest, AllSpaceIsEmpty) { EXPECT_EQ(TrimSpace(" \n\t\v\f\r"), ""); }

TEST(TrimTrailingSpaceTest, KeepsLeadingSpace) { EXPECT_EQ(TrimTrailingSpace("  x \n"), "  x"); }

}  // namespace
}  // namespace runledger
