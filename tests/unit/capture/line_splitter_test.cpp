// Lines for the per-line hook, whatever the read boundaries.
#include "capture/line_splitter.h"

#include <gtest/gtest.h>

#include <vector>

namespace runledger::capture {
namespace {

struct Collected {
  std::vector<std::string> lines;
  std::vector<bool> cuts;
  LineSplitter::Hook Hook() {
    return [this](std::string_view line, bool cut) {
      lines.emplace_back(line);
      cuts.push_back(cut);
    };
  }
};

TEST(CaptureLineSplitter, SplitsOnNewlineWithoutIt) {
  Collected c;
  LineSplitter s(c.Hook());
  s.Feed("a\nbb\n\nccc\n");
  EXPECT_EQ(c.lines, (std::vector<std::string>{"a", "bb", "", "ccc"}));
}

TEST(CaptureLineSplitter, LineAcrossReadsIsJoined) {
  Collected c;
  LineSplitter s(c.Hook());
  for (std::string_view part : {"{\"met", "ric\":\"loss\",", "\"value\":1}\nx", "y\n"})
    s.Feed(part);
  EXPECT_EQ(c.lines, (std::vector<std::string>{"{\"metric\":\"loss\",\"value\":1}", "xy"}));
}

TEST(CaptureLineSplitter, PartialLastLineArrivesAtFinish) {
  Collected c;
  LineSplitter s(c.Hook());
  s.Feed("done\nlast");
  EXPECT_EQ(c.lines.size(), 1u);
  s.Finish();
  EXPECT_EQ(c.lines, (std::vector<std::string>{"done", "last"}));
}

TEST(CaptureLineSplitter, FinishWithNothingPendingAddsNoLine) {
  Collected c;
  LineSplitter s(c.Hook());
  s.Feed("a\n");
  s.Finish();
  EXPECT_EQ(c.lines.size(), 1u);
}

TEST(CaptureLineSplitter, CarriageReturnAndBinaryBytesAreKept) {
  Collected c;
  LineSplitter s(c.Hook());
  s.Feed(std::string_view("a\r\n\0\xff\n", 6));
  EXPECT_EQ(c.lines, (std::vector<std::string>{"a\r", std::string("\0\xff", 2)}));
}

TEST(CaptureLineSplitter, OverlongLineIsCutAndTheRestSkipped) {
  Collected c;
  LineSplitter s(c.Hook(), 4);
  s.Feed("abcdefg");
  s.Feed("hij\nok\n");
  EXPECT_EQ(c.lines, (std::vector<std::string>{"abcd", "ok"}));
  EXPECT_EQ(c.cuts, (std::vector<bool>{true, false}));
}

}  // namespace
}  // namespace runledger::capture
