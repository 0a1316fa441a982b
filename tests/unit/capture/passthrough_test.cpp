// stdout and stderr pass through runledger-capture unchanged and promptly.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "capture_process.h"

namespace runledger::capture {
namespace {

using std::chrono::seconds;
using testing::CaptureArgv;
using testing::Process;
using testing::RunToEnd;
using testing::TempDir;

TEST(CapturePassthrough, StdoutAndStderrStaySeparateAndExact) {
  auto r = RunToEnd(CaptureArgv({"sh", "-c", "echo one; echo two >&2; echo three; echo four >&2"}));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "one\nthree\n");
  EXPECT_EQ(r.err, "two\nfour\n");
}

TEST(CapturePassthrough, LastLineWithoutNewlineIsKept) {
  auto r = RunToEnd(CaptureArgv({"sh", "-c", "printf 'a\\nlast'; printf 'e\\nelast' >&2"}));
  EXPECT_EQ(r.out, "a\nlast");
  EXPECT_EQ(r.err, "e\nelast");
}

TEST(CapturePassthrough, BinaryBytesAreIntact) {
  // Every byte value (NUL, CR, 0xff, invalid UTF-8), then 1 MiB of noise
  // so the copy crosses many pipe buffers.
  std::string data;
  for (int i = 0; i < 256; ++i) data.push_back(static_cast<char>(i));
  std::mt19937 rng(42);  // fixed seed: the same bytes every run
  for (int i = 0; i < (1 << 20); ++i) data.push_back(static_cast<char>(rng() & 0xff));
  TempDir dir;
  const std::string file = dir.Write("blob", data);
  auto r = RunToEnd(CaptureArgv({"sh", "-c", "cat \"$0\"; cat \"$0\" >&2", file}));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.size(), data.size());
  EXPECT_TRUE(r.out == data);
  EXPECT_TRUE(r.err == data);
}

TEST(CapturePassthrough, LineArrivesBeforeTheChildWritesMore) {
  // The child waits for a file the test creates only after it has seen the
  // first line: block buffering in the wrapper would deadlock this.
  TempDir dir;
  const std::string go = dir.path() + "/go";
  Process p(CaptureArgv(
      {"sh", "-c", "echo first; while [ ! -e \"$0\" ]; do sleep 0.02; done; echo second", go}));
  ASSERT_TRUE(p.WaitForStdout("first\n", seconds(10)));
  EXPECT_EQ(p.out(), "first\n");
  dir.Write("go", "");
  EXPECT_EQ(p.Wait(), 0);
  EXPECT_EQ(p.out(), "first\nsecond\n");
}

TEST(CapturePassthrough, PartialLineIsNotHeldBack) {
  // A progress bar: text without a newline must show before the line ends.
  TempDir dir;
  const std::string go = dir.path() + "/go";
  Process p(CaptureArgv({"sh", "-c",
                         "printf 'step 1/2\\r'; while [ ! -e \"$0\" ]; do sleep 0.02; done; "
                         "printf 'step 2/2\\n'",
                         go}));
  ASSERT_TRUE(p.WaitForStdout("step 1/2\r", seconds(10)));
  dir.Write("go", "");
  EXPECT_EQ(p.Wait(), 0);
  EXPECT_EQ(p.out(), "step 1/2\rstep 2/2\n");
}

TEST(CapturePassthrough, OutputOfABackgroundGrandchildAfterExitIsNotWaitedForever) {
  // A grandchild keeps stdout open after the child exits: the wrapper
  // stops reading after its drain time instead of hanging with it.
  auto started = std::chrono::steady_clock::now();
  auto r = RunToEnd(CaptureArgv({"sh", "-c", "sleep 30 & echo child-done"}));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "child-done\n");
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(15));
}

}  // namespace
}  // namespace runledger::capture
