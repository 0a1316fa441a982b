// MatchRevision: git's ref rules on a listing, and IsFullCommitSha.
#include <gtest/gtest.h>

#include "source/git.h"

namespace runledger::source {
namespace {

const std::string kMain(40, 'a');
const std::string kFeature(40, 'b');
const std::string kTagObject(40, 'c');
const std::string kTagged(40, 'd');
const std::string kOther(40, 'e');
constexpr char kUrl[] = "https://git.example.com/r.git";

std::vector<RemoteRef> Listing() {
  return {
      {"HEAD", kMain, "refs/heads/main"},   {"refs/heads/main", kMain, ""},
      {"refs/heads/feature", kFeature, ""}, {"refs/tags/light", kFeature, ""},
      {"refs/tags/v1.0", kTagObject, ""},   {"refs/tags/v1.0^{}", kTagged, ""},
      {"refs/heads/both", kMain, ""},       {"refs/tags/both", kOther, ""},
      {"refs/heads/same", kMain, ""},       {"refs/tags/same", kMain, ""},
      {"refs/pull/7/head", kOther, ""},
  };
}

TEST(MatchRevisionTest, BranchName) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "main", kUrl);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, kMain);
  EXPECT_EQ(r->resolved_from, "refs/heads/main");
}

TEST(MatchRevisionTest, LightweightTag) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "light", kUrl);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, kFeature);
  EXPECT_EQ(r->resolved_from, "refs/tags/light");
}

TEST(MatchRevisionTest, AnnotatedTagIsPeeled) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "v1.0", kUrl);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, kTagged);
  EXPECT_EQ(r->resolved_from, "refs/tags/v1.0");
}

TEST(MatchRevisionTest, FullTagRefIsPeeled) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "refs/tags/v1.0", kUrl);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, kTagged);
}

TEST(MatchRevisionTest, HeadFollowsItsSymref) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "HEAD", kUrl);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, kMain);
  EXPECT_EQ(r->resolved_from, "refs/heads/main");
}

TEST(MatchRevisionTest, EmptyRevisionMeansHead) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "", kUrl);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, kMain);
}

TEST(MatchRevisionTest, RefsPrefixIsTried) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "pull/7/head", kUrl);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, kOther);
  EXPECT_EQ(r->resolved_from, "refs/pull/7/head");
}

TEST(MatchRevisionTest, BranchAndTagWithDifferentCommitsIsAmbiguous) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "both", kUrl);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("ambiguous"), std::string::npos);
  EXPECT_NE(r.status().message().find("refs/tags/both"), std::string::npos);
}

TEST(MatchRevisionTest, FullRefNameSettlesAmbiguity) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "refs/tags/both", kUrl);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, kOther);
}

TEST(MatchRevisionTest, BranchAndTagOnOneCommitPreferTheBranch) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "same", kUrl);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->resolved_from, "refs/heads/same");
}

TEST(MatchRevisionTest, UnknownRefIsNotFoundNamingRefAndUrl) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "nope", kUrl);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), std::string("no ref 'nope' at ") + kUrl);
}

TEST(MatchRevisionTest, ShortShaIsInvalidArgument) {
  Result<ResolvedRevision> r = MatchRevision(Listing(), "abc1234", kUrl);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("40 hex"), std::string::npos);
}

TEST(MatchRevisionTest, UpperCaseObjectIdsAreLowered) {
  std::vector<RemoteRef> refs = {{"refs/heads/x", std::string(40, 'A'), ""}};
  Result<ResolvedRevision> r = MatchRevision(refs, "x", kUrl);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, std::string(40, 'a'));
}

TEST(IsFullCommitShaTest, FortyHexDigitsOnly) {
  EXPECT_TRUE(IsFullCommitSha("0123456789abcdef0123456789ABCDEF01234567"));
  EXPECT_FALSE(IsFullCommitSha("0123456789abcdef0123456789abcdef0123456"));
  EXPECT_FALSE(IsFullCommitSha("0123456789abcdef0123456789abcdef012345678"));
  EXPECT_FALSE(IsFullCommitSha("g123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(IsFullCommitSha(""));
}

}  // namespace
}  // namespace runledger::source
