// The command line: the child's argv exactly, and options before it.
#include "capture/args.h"

#include <gtest/gtest.h>

#include <map>

namespace runledger::capture {
namespace {

Result<Options> Parse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  return ParseArgs(args, [&env](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
}

TEST(CaptureArgs, EverythingAfterDoubleDashIsTheCommand) {
  auto o = Parse({"--", "python", "--version", "--", "-x"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->argv, (std::vector<std::string>{"python", "--version", "--", "-x"}));
  EXPECT_TRUE(o->probes);
}

TEST(CaptureArgs, OptionsBeforeTheCommand) {
  auto o = Parse({"--termination-log", "/tmp/t", "--probe-wait=2.5", "--no-probes", "--", "x"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->termination_log, "/tmp/t");
  EXPECT_EQ(o->probe_wait, std::chrono::milliseconds(2500));
  EXPECT_FALSE(o->probes);
}

TEST(CaptureArgs, EnvironmentGivesDefaultsAndFlagsOverride) {
  auto o = Parse({"--termination-log=/flag", "--", "x"},
                 {{"RUNLEDGER_TERMINATION_LOG", "/env"}, {"RUNLEDGER_CAPTURE_PROBES", "off"}});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->termination_log, "/flag");
  EXPECT_FALSE(o->probes);
}

TEST(CaptureArgs, BadProbeWaitIsRefused) {
  auto o = Parse({"--probe-wait=soon", "--", "x"});
  EXPECT_EQ(o.status().code(), Code::kInvalidArgument);
  EXPECT_NE(o.status().message().find("--probe-wait"), std::string::npos);
}

TEST(CaptureArgs, InstallTakesADestination) {
  auto o = Parse({"--install", "/runledger/bin/runledger-capture"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->mode, Options::Mode::kInstall);
  EXPECT_EQ(o->install_dest, "/runledger/bin/runledger-capture");
  EXPECT_FALSE(Parse({"--install"}).ok());
}

TEST(CaptureArgs, EmptyCommandIsRefused) {
  EXPECT_FALSE(Parse({"--", ""}).ok());
  EXPECT_FALSE(Parse({}).ok());
}

}  // namespace
}  // namespace runledger::capture
