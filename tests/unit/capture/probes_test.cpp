// The environment probes, through the real binary: what lands in the
// termination message, and that no probe can fail or hold up the run.
#include <gtest/gtest.h>

#include <fstream>

#include "capture/redact.h"
#include "capture/summary.h"
#include "capture_process.h"

namespace runledger::capture {
namespace {

using std::chrono::seconds;
using testing::CaptureArgv;
using testing::RunToEnd;
using testing::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// Runs `command` under the binary with probes on and returns the summary.
CaptureSummary Capture(const TempDir& dir, std::vector<std::string> command,
                       std::vector<std::string> env = {}) {
  const std::string log = dir.path() + "/termination-log";
  auto r =
      RunToEnd(CaptureArgv(std::move(command), {"--termination-log=" + log, "--probe-wait=30"}),
               std::move(env));
  EXPECT_EQ(r.code, 0) << r.err;
  const std::string text = ReadAll(log);
  EXPECT_LE(text.size(), kTerminationMessageLimit);
  auto summary = ParseSummary(text);
  EXPECT_TRUE(summary.ok()) << summary.status().ToString() << ": " << text;
  return summary.ok() ? *summary : CaptureSummary{};
}

TEST(CaptureProbes, PythonVersionIsTheOneOnPath) {
  auto host = RunToEnd({"python3", "--version"});
  if (host.code != 0) GTEST_SKIP() << "no python3 on this machine";
  TempDir dir;
  CaptureSummary s = Capture(dir, {"true"});
  EXPECT_EQ("Python " + s.python + "\n", host.out + host.err);
  EXPECT_FALSE(s.kernel.empty());
  EXPECT_GT(s.cpu_count, 0);
  EXPECT_GT(s.memory_bytes, 0);
}

TEST(CaptureProbes, GpusFromNvidiaSmi) {
  // A stand-in nvidia-smi that answers the query the probe makes.
  TempDir dir;
  dir.Write("nvidia-smi",
            "#!/bin/sh\n"
            "[ \"$1\" = --query-gpu=name,memory.total,driver_version ] || exit 9\n"
            "[ \"$2\" = --format=csv,noheader ] || exit 9\n"
            "echo 'NVIDIA H200, 143771 MiB, 550.54.15'\n",
            0755);
  CaptureSummary s =
      Capture(dir, {"true"}, {"PATH=" + dir.path() + ":" + std::string(getenv("PATH"))});
  ASSERT_EQ(s.gpus.size(), 1u);
  EXPECT_EQ(s.gpus[0].memory_mib, 143771);
  EXPECT_EQ(s.driver, "550.54.15");
  EXPECT_EQ(StatusEnv(s)["gpu"], "H200 x1");
}

TEST(CaptureProbes, NoNvidiaSmiMeansNoGpusNotAnError) {
  TempDir dir;
  // PATH without any nvidia-smi (nor python3: the probe skips what it cannot find).
  CaptureSummary s = Capture(dir, {"/bin/true"}, {"PATH=" + dir.path()});
  EXPECT_TRUE(s.gpus_probed);
  EXPECT_TRUE(s.gpus.empty());
  EXPECT_EQ(GpuText(s), "none");
  EXPECT_EQ(s.errors.count("gpus"), 0u);
}

TEST(CaptureProbes, TokensInTheEnvironmentAreRedacted) {
  TempDir dir;
  CaptureSummary s =
      Capture(dir, {"true"},
              {"MLFLOW_TRACKING_TOKEN=0123456789abcdef-the-run-token",
               "HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz", "MLFLOW_TRACKING_URI=http://10.0.0.1:5000",
               "GIT_URL=https://bob:hunter2@git.example.com/ml/ranker.git"});
  const std::string text = ReadAll(dir.path() + "/termination-log");
  EXPECT_EQ(text.find("the-run-token"), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_EQ(s.env["MLFLOW_TRACKING_TOKEN"], kRedacted);
  EXPECT_EQ(s.env["HF_TOKEN"], kRedacted);
  EXPECT_EQ(s.env["MLFLOW_TRACKING_URI"], "http://10.0.0.1:5000");
  EXPECT_EQ(s.env["GIT_URL"], "https://bob:[redacted]@git.example.com/ml/ranker.git");
}

TEST(CaptureProbes, HangingProbeNeitherFailsNorHoldsTheRun) {
  // python3 that never answers: the run ends with the child's code soon
  // after the child, and the summary says the probes were stopped.
  TempDir dir;
  dir.Write("python3", "#!/bin/sh\nexec sleep 600\n", 0755);
  const std::string log = dir.path() + "/termination-log";
  const auto start = std::chrono::steady_clock::now();
  auto r =
      RunToEnd(CaptureArgv({"sh", "-c", "exit 4"}, {"--termination-log=" + log, "--probe-wait=1"}),
               {"PATH=" + dir.path() + ":/usr/bin:/bin"});
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(10));
  auto s = ParseSummary(ReadAll(log));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->errors.count("probes"), 1u);
  EXPECT_FALSE(s->kernel.empty());  // what was found before the hang is kept
}

TEST(CaptureProbes, FrameworkVersionAndCudaBuildFromImport) {
  // A stand-in python3 with torch "installed": it answers the version, the
  // package listing and the torch import the way a real one would.
  TempDir dir;
  dir.Write("python3",
            "#!/bin/sh\n"
            "case \"$1 $2\" in\n"
            "  --version*) echo 'Python 3.12.4' ;;\n"
            "  *'import torch'*) echo '{\"version\": \"2.3.1+cu121\", \"cuda\": \"12.1\"}' ;;\n"
            "  *metadata*) echo '{\"torch\": \"2.3.1+cu121\", \"numpy\": \"1.26.4\"}' ;;\n"
            "  *) exit 1 ;;\n"
            "esac\n",
            0755);
  CaptureSummary s = Capture(dir, {"true"}, {"PATH=" + dir.path() + ":/usr/bin:/bin"});
  EXPECT_EQ(s.python, "3.12.4");
  EXPECT_EQ(s.packages["numpy"], "1.26.4");
  EXPECT_EQ(s.frameworks["torch"].version, "2.3.1+cu121");
  EXPECT_EQ(s.frameworks.count("jax"), 0u);  // not installed: not imported
  EXPECT_EQ(s.cuda, "12.1");
  auto env = StatusEnv(s);
  EXPECT_EQ(env["torch"], "2.3.1+cu121");
  EXPECT_EQ(env["cuda"], "12.1");
}

TEST(CaptureProbes, ThousandsOfPackagesStillGiveASummary) {
  // The probe process reports the whole package list (here ~170 KB) before
  // the summary is cut to size; a long report must not be lost on the way.
  TempDir dir;
  dir.Write("python3",
            "#!/bin/sh\n"
            "case \"$1 $2\" in\n"
            "  --version*) echo 'Python 3.12.4' ;;\n"
            "  *metadata*) i=0; printf '{'\n"
            "    while [ $i -lt 5000 ]; do printf '\"package-%d\": \"1.0.%d\", ' $i $i; "
            "i=$((i+1)); done\n"
            "    echo '\"zlast\": \"1\"}' ;;\n"
            "  *) echo '{}' ;;\n"
            "esac\n",
            0755);
  CaptureSummary s = Capture(dir, {"true"}, {"PATH=" + dir.path() + ":/usr/bin:/bin"});
  EXPECT_EQ(s.python, "3.12.4");
  EXPECT_GT(s.packages.size(), 10u);
  EXPECT_LT(s.packages.size(), 5001u);
  EXPECT_NE(std::find(s.truncated.begin(), s.truncated.end(), "packages"), s.truncated.end());
}

TEST(CaptureProbes, DefaultTerminationLogIsNotCreatedOutsideKubernetes) {
  if (std::filesystem::exists("/dev/termination-log")) {
    GTEST_SKIP() << "/dev/termination-log exists here (running in a pod?)";
  }
  auto r = RunToEnd(CaptureArgv({"true"}, {"--probe-wait=30"}));
  EXPECT_EQ(r.code, 0);
  EXPECT_FALSE(std::filesystem::exists("/dev/termination-log"));
}

TEST(CaptureProbes, NoProbesWritesNoSummary) {
  TempDir dir;
  const std::string log = dir.path() + "/termination-log";
  auto r = RunToEnd(CaptureArgv({"true"}, {"--no-probes", "--termination-log=" + log}));
  EXPECT_EQ(r.code, 0);
  EXPECT_FALSE(std::filesystem::exists(log));
}

TEST(CaptureProbes, TerminationLogPathFromEnvironment) {
  TempDir dir;
  const std::string log = dir.path() + "/from-env";
  auto r =
      RunToEnd(CaptureArgv({"true"}, {"--probe-wait=30"}), {"RUNLEDGER_TERMINATION_LOG=" + log});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(ParseSummary(ReadAll(log)).ok());
}

}  // namespace
}  // namespace runledger::capture
