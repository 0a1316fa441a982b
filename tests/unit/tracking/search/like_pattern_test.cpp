#include "tracking/search/like_pattern.h"

#include <gtest/gtest.h>

namespace runledger::tracking::search {
namespace {

bool Like(std::string_view pattern, std::string_view text, bool ignore_case = false) {
  auto p = LikePattern::Compile(pattern, ignore_case);
  EXPECT_TRUE(p.ok()) << pattern;
  return p.ok() && p->Matches(text);
}

TEST(LikePatternTest, WithoutWildcardsIsEquality) {
  EXPECT_TRUE(Like("abc", "abc"));
  EXPECT_FALSE(Like("abc", "abcd"));
  EXPECT_FALSE(Like("abc", "ab"));
  EXPECT_FALSE(Like("abc", "ABC"));
  EXPECT_TRUE(Like("", ""));
  EXPECT_FALSE(Like("", "a"));
}

TEST(LikePatternTest, PercentMatchesAnyRunIncludingNone) {
  EXPECT_TRUE(Like("a%", "a"));
  EXPECT_TRUE(Like("a%", "abc"));
  EXPECT_FALSE(Like("a%", "ba"));
  EXPECT_TRUE(Like("%c", "abc"));
  EXPECT_TRUE(Like("%b%", "abc"));
  EXPECT_FALSE(Like("%d%", "abc"));
  EXPECT_TRUE(Like("%", ""));
  EXPECT_TRUE(Like("%%", "x"));
  EXPECT_TRUE(Like("a%b%c", "aXXbYYc"));
  EXPECT_FALSE(Like("a%b%c", "aXXcYYb"));
}

TEST(LikePatternTest, LastSegmentIsAnchoredAtTheEnd) {
  // The first "ab" after the % is not the one that ends the text.
  EXPECT_TRUE(Like("%ab", "abxab"));
  EXPECT_TRUE(Like("a%a", "aa"));
  EXPECT_FALSE(Like("a%a", "a"));
  EXPECT_TRUE(Like("%aa%aa", "aaaa"));
  EXPECT_FALSE(Like("%aa%aa", "aaa"));
}

TEST(LikePatternTest, UnderscoreMatchesExactlyOneCharacter) {
  EXPECT_TRUE(Like("a_c", "abc"));
  EXPECT_FALSE(Like("a_c", "ac"));
  EXPECT_FALSE(Like("a_c", "abbc"));
  EXPECT_TRUE(Like("___", "xyz"));
  EXPECT_TRUE(Like("%_", "x"));
  EXPECT_FALSE(Like("%_", ""));
}

TEST(LikePatternTest, UnderscoreMatchesOneUtf8CodePoint) {
  EXPECT_TRUE(Like("caf_", "caf\xc3\xa9"));  // é is two bytes.
  EXPECT_TRUE(Like("_", "\xe2\x82\xac"));    // € is three.
  EXPECT_FALSE(Like("__", "\xe2\x82\xac"));
  EXPECT_TRUE(Like("%_x", "\xf0\x9f\x98\x80x"));  // An emoji is four.
}

TEST(LikePatternTest, BackslashEscapesWildcards) {
  EXPECT_TRUE(Like("50\\%", "50%"));
  EXPECT_FALSE(Like("50\\%", "500"));
  EXPECT_TRUE(Like("a\\_b", "a_b"));
  EXPECT_FALSE(Like("a\\_b", "axb"));
  EXPECT_TRUE(Like("a\\\\b", "a\\b"));
  EXPECT_TRUE(Like("\\x", "x"));  // Any escaped character is itself.
}

TEST(LikePatternTest, RegexCharactersAreLiteral) {
  EXPECT_TRUE(Like("a.b", "a.b"));
  EXPECT_FALSE(Like("a.b", "axb"));
  EXPECT_TRUE(Like("[x]*", "[x]*"));
}

TEST(LikePatternTest, TrailingEscapeIsAnError) {
  const auto p = LikePattern::Compile("abc\\", false);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
}

TEST(LikePatternTest, IlikeFoldsAsciiCase) {
  EXPECT_TRUE(Like("ABC%", "abcdef", true));
  EXPECT_TRUE(Like("a_C", "AbC", true));
  EXPECT_TRUE(Like("%Loss", "val_LOSS", true));
  EXPECT_FALSE(Like("abc", "abd", true));
}

}  // namespace
}  // namespace runledger::tracking::search
