// As PID 1 (in a PID namespace of its own), runledger-capture reaps the
// orphans re-parented to it, as tini does.
#include <gtest/gtest.h>

#include "capture_process.h"

namespace runledger::capture {
namespace {

using testing::CaptureArgv;
using testing::RunToEnd;
using testing::TempDir;

// Inside the namespace: start three orphans that record their pids and exit,
// then poll (deadline 10 s) until /proc has no entry for any of them. An
// unreaped orphan stays a zombie with a /proc entry, so the script fails.
constexpr char kScript[] = R"sh(
dir="$0"
echo "pid1=$(cat /proc/1/comm)"
for i in 1 2 3; do (sh -c 'echo $$ >> "$1/pids"' sh "$dir" &) ; done
i=0
while [ "$(cat "$dir/pids" 2>/dev/null | wc -l)" -lt 3 ]; do
  i=$((i+1)); [ $i -gt 500 ] && { echo "orphans did not start"; exit 2; }; sleep 0.02
done
i=0
while :; do
  left=0
  for p in $(cat "$dir/pids"); do [ -e /proc/$p ] && left=$((left+1)); done
  [ $left -eq 0 ] && { echo reaped; exit 0; }
  i=$((i+1)); [ $i -gt 500 ] && { echo "zombies left: $left"; exit 1; }; sleep 0.02
done
)sh";

TEST(CaptureReaping, ReapsOrphansAsPid1InPidNamespace) {
  auto probe =
      RunToEnd({"unshare", "--fork", "--pid", "--user", "--map-root-user", "--mount-proc", "true"});
  if (probe.code != 0) {
    GTEST_SKIP() << "unprivileged PID namespaces are unavailable here (unshare -fpr "
                    "--mount-proc exited "
                 << probe.code << ": " << probe.err << ")";
  }
  TempDir dir;
  std::vector<std::string> argv = {"unshare", "--fork",          "--pid",
                                   "--user",  "--map-root-user", "--mount-proc"};
  for (auto& a : CaptureArgv({"sh", "-c", kScript, dir.path()})) argv.push_back(a);
  auto r = RunToEnd(argv);
  EXPECT_NE(r.out.find("pid1=runledger-captu"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("reaped"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace runledger::capture
