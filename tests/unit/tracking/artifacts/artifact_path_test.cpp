// Artifact paths, byte ranges and content types: the pure parts.
#include "tracking/artifacts/artifact_path.h"

#include <gtest/gtest.h>

#include "tracking/artifacts/byte_range.h"
#include "tracking/artifacts/content_type.h"

namespace runledger::tracking::artifacts {
namespace {

TEST(ArtifactPathTest, AcceptsRelativePaths) {
  EXPECT_TRUE(ValidateArtifactPath("model/MLmodel", false).ok());
  EXPECT_TRUE(ValidateArtifactPath("a b+c/d.txt", false).ok());
  EXPECT_TRUE(ValidateArtifactPath("", true).ok());
  EXPECT_TRUE(ValidateArtifactPath("dir/", true).ok());
}

TEST(ArtifactPathTest, RejectsTraversalAbsoluteBackslashAndNul) {
  for (std::string_view bad :
       {"../x", "a/../b", "a/..", "/etc/passwd", "C:/x", "a\\b", "a//b", "./a", "a#b", "a\x01"}) {
    Status s = ValidateArtifactPath(bad, false);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
    EXPECT_TRUE(s.message().starts_with("Invalid path")) << s.message();
  }
  EXPECT_EQ(ValidateArtifactPath(std::string_view("a\0b", 3), false).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ValidateArtifactPath("", false).code(), Code::kInvalidArgument);
}

TEST(ArtifactPathTest, RejectsTraversalUnderDoubleEncoding) {
  EXPECT_EQ(ArtifactPathFromUrl("%2e%2e/x", false).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ArtifactPathFromUrl("%252e%252e/x", false).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ArtifactPathFromUrl("a%5cb", false).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ArtifactPathFromUrl("a%00b", false).status().code(), Code::kInvalidArgument);
  Result<std::string> ok = ArtifactPathFromUrl("dir%20one/f%2Bx.txt", false);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "dir one/f+x.txt");
  EXPECT_EQ(*ArtifactPathFromUrl("dir/", true), "dir");
}

TEST(ByteRangeTest, OneRangeForms) {
  RangeChoice c = ChooseRange("bytes=10-19", 100);
  EXPECT_EQ(c.kind, RangeChoice::kPartial);
  EXPECT_EQ(c.offset, 10u);
  EXPECT_EQ(c.length, 10u);
  c = ChooseRange("bytes=90-", 100);
  EXPECT_EQ(c.length, 10u);
  c = ChooseRange("bytes=-30", 100);
  EXPECT_EQ(c.offset, 70u);
  EXPECT_EQ(c.length, 30u);
  c = ChooseRange("bytes=95-1000", 100);  // Clamped to the end.
  EXPECT_EQ(c.length, 5u);
}

TEST(ByteRangeTest, PastTheEndIsUnsatisfiable) {
  EXPECT_EQ(ChooseRange("bytes=100-", 100).kind, RangeChoice::kUnsatisfiable);
  EXPECT_EQ(ChooseRange("bytes=-0", 100).kind, RangeChoice::kUnsatisfiable);
  EXPECT_EQ(ChooseRange("bytes=0-", 0).kind, RangeChoice::kUnsatisfiable);
}

TEST(ByteRangeTest, MalformedOrSeveralRangesAreIgnored) {
  for (std::string_view h : {"", "items=0-1", "bytes=5-2", "bytes=a-b", "bytes=0-1,4-5"}) {
    EXPECT_EQ(ChooseRange(h, 100).kind, RangeChoice::kWhole) << h;
  }
}

TEST(ContentTypeTest, AsMlflowGuessesThem) {
  EXPECT_EQ(GuessContentType("model/MLmodel"), "text/plain");
  EXPECT_EQ(GuessContentType("metrics.json"), "text/plain");
  EXPECT_EQ(GuessContentType("train.log"), "text/plain");
  EXPECT_EQ(GuessContentType("plot.png"), "image/png");
  EXPECT_EQ(GuessContentType("report.html"), "text/html");
  EXPECT_EQ(GuessContentType("weights.pkl"), "application/octet-stream");
  EXPECT_EQ(GuessContentType("Makefile"), "application/octet-stream");
}

TEST(ContentTypeTest, AttachmentNames) {
  EXPECT_EQ(ContentDisposition("model.pkl"), "attachment; filename=model.pkl");
  EXPECT_EQ(ContentDisposition("a b.txt"), "attachment; filename=\"a b.txt\"");
  EXPECT_EQ(ContentDisposition("\xc3\xa9t\xc3\xa9.txt"),
            "attachment; filename=t.txt; filename*=UTF-8''%C3%A9t%C3%A9.txt");
}

}  // namespace
}  // namespace runledger::tracking::artifacts
