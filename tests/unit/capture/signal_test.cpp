// Signals reach the child through runledger-capture, and the exit status
// says how the child ended.
#include <gtest/gtest.h>
#include <signal.h>
#include <string.h>

#include "capture_process.h"

namespace runledger::capture {
namespace {

using std::chrono::seconds;
using testing::CaptureArgv;
using testing::Process;

struct Forwarded {
  int sig;
  const char* trap_name;
};

void PrintTo(const Forwarded& f, std::ostream* os) { *os << "SIG" << f.trap_name; }

class CaptureSignalForward : public ::testing::TestWithParam<Forwarded> {};

TEST_P(CaptureSignalForward, ReachesTheChild) {
  // The child exits 40 + the signal number only when its trap ran.
  const Forwarded f = GetParam();
  const std::string script = "trap 'exit " + std::to_string(40 + f.sig) + "' " + f.trap_name +
                             "; echo ready; while :; do sleep 0.05; done";
  Process p(CaptureArgv({"sh", "-c", script}));
  ASSERT_TRUE(p.WaitForStdout("ready\n", seconds(10))) << p.err();
  ASSERT_EQ(kill(p.pid(), f.sig), 0);
  EXPECT_EQ(p.Wait(), 40 + f.sig) << p.err();
}

INSTANTIATE_TEST_SUITE_P(AllSix, CaptureSignalForward,
                         ::testing::Values(Forwarded{SIGTERM, "TERM"}, Forwarded{SIGINT, "INT"},
                                           Forwarded{SIGHUP, "HUP"}, Forwarded{SIGQUIT, "QUIT"},
                                           Forwarded{SIGUSR1, "USR1"}, Forwarded{SIGUSR2, "USR2"}),
                         [](const auto& info) { return std::string(info.param.trap_name); });

TEST(CaptureSignal, UntrappedSigtermKillsChildAndGives143) {
  // exec: the shell is replaced, so the SIGTERM lands on a process with the default action.
  Process p(CaptureArgv({"sh", "-c", "echo ready; exec sleep 60"}));
  ASSERT_TRUE(p.WaitForStdout("ready\n", seconds(10))) << p.err();
  ASSERT_EQ(kill(p.pid(), SIGTERM), 0);
  EXPECT_EQ(p.Wait(), 128 + SIGTERM);
}

TEST(CaptureSignal, ChildSeesDefaultSignalState) {
  // The supervisor blocks and ignores signals; its child must not inherit that.
  Process p(CaptureArgv({"sh", "-c", "grep -E '^(SigBlk|SigIgn)' /proc/self/status"}));
  ASSERT_EQ(p.Wait(), 0);
  EXPECT_NE(p.out().find("SigBlk:\t0000000000000000"), std::string::npos) << p.out();
  EXPECT_NE(p.out().find("SigIgn:\t0000000000000000"), std::string::npos) << p.out();
}

}  // namespace
}  // namespace runledger::capture
