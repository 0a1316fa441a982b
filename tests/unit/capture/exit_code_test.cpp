// runledger-capture's exit status and exec: the real binary, real children.
#include <gtest/gtest.h>

#include "capture/exit_codes.h"
#include "capture_process.h"

namespace runledger::capture {
namespace {

using testing::CaptureArgv;
using testing::RunToEnd;
using testing::TempDir;

TEST(CaptureExitCode, NormalExitIsZero) {
  EXPECT_EQ(RunToEnd(CaptureArgv({"sh", "-c", "exit 0"})).code, 0);
}

TEST(CaptureExitCode, ChildExitCodeIsPassedThrough) {
  EXPECT_EQ(RunToEnd(CaptureArgv({"sh", "-c", "exit 3"})).code, 3);
}

TEST(CaptureExitCode, ChildKilledBySigkillGives137) {
  EXPECT_EQ(RunToEnd(CaptureArgv({"sh", "-c", "kill -KILL $$"})).code, 137);
}

TEST(CaptureExitCode, CommandNotOnPathIsOwnFailureWithMessage) {
  auto r = RunToEnd(CaptureArgv({"no-such-command-for-capture"}));
  EXPECT_EQ(r.code, kOwnFailure);
  EXPECT_NE(r.err.find("runledger-capture: cannot run \"no-such-command-for-capture\": "
                       "No such file or directory"),
            std::string::npos)
      << r.err;
}

TEST(CaptureExitCode, NonExecutableFileIsOwnFailure) {
  TempDir dir;
  const std::string script = dir.Write("script", "#!/bin/sh\nexit 0\n", 0644);
  auto r = RunToEnd(CaptureArgv({script}));
  EXPECT_EQ(r.code, kOwnFailure);
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
}

TEST(CaptureExitCode, MissingCommandIsOwnFailure) {
  auto r = RunToEnd({testing::kCaptureBin, "--no-probes", "--"});
  EXPECT_EQ(r.code, kOwnFailure);
  EXPECT_NE(r.err.find("no command given"), std::string::npos) << r.err;
}

TEST(CaptureExitCode, UnknownOptionIsOwnFailure) {
  auto r = RunToEnd({testing::kCaptureBin, "--bogus", "--", "true"});
  EXPECT_EQ(r.code, kOwnFailure);
  EXPECT_NE(r.err.find("unknown option \"--bogus\""), std::string::npos) << r.err;
}

TEST(CaptureExec, CommandIsLookedUpOnPath) {
  TempDir dir;
  dir.Write("my-trainer", "#!/bin/sh\necho found-on-path\nexit 7\n", 0755);
  auto r = RunToEnd(CaptureArgv({"my-trainer"}), {"PATH=" + dir.path() + ":/usr/bin:/bin"});
  EXPECT_EQ(r.code, 7);
  EXPECT_EQ(r.out, "found-on-path\n");
}

TEST(CaptureExec, ArgvIsPassedExactly) {
  // No shell in between: spaces, quotes, globs, $ and empty strings arrive as given.
  auto r =
      RunToEnd(CaptureArgv({"printf", "[%s]\\n", "a b", "\"q\"", "*", "$HOME", "", "--", "-x"}));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "[a b]\n[\"q\"]\n[*]\n[$HOME]\n[]\n[--]\n[-x]\n");
}

TEST(CaptureExec, CommandWithoutDoubleDashStartsAtFirstNonOption) {
  auto r = RunToEnd({testing::kCaptureBin, "--no-probes", "sh", "-c", "echo $0", "zero"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "zero\n");
}

TEST(CaptureExec, EnvironmentIsInherited) {
  auto r = RunToEnd(CaptureArgv({"sh", "-c", "printf %s \"$RUNLEDGER_TEST_VALUE\""}),
                    {"RUNLEDGER_TEST_VALUE=kept as is"});
  EXPECT_EQ(r.out, "kept as is");
}

}  // namespace
}  // namespace runledger::capture
