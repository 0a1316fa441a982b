// The formats the probes read, from text as the files and commands give it.
#include "capture/probe_parse.h"

#include <gtest/gtest.h>

namespace runledger::capture {
namespace {

TEST(CaptureProbeParse, OsReleasePrettyNameUnquoted) {
  EXPECT_EQ(ParseOsRelease("NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
                           "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"),
            "Debian GNU/Linux 12 (bookworm)");
}

TEST(CaptureProbeParse, OsReleaseWithoutPrettyNameUsesNameAndVersion) {
  EXPECT_EQ(ParseOsRelease("NAME=Alpine\nVERSION_ID=3.19.1\n"), "Alpine 3.19.1");
  EXPECT_EQ(ParseOsRelease(""), "");
}

TEST(CaptureProbeParse, CpuModelFromX86AndArm) {
  EXPECT_EQ(ParseCpuModel("processor\t: 0\nmodel name\t: AMD EPYC 9654 96-Core Processor\n"),
            "AMD EPYC 9654 96-Core Processor");
  EXPECT_EQ(ParseCpuModel("processor\t: 0\nBogoMIPS\t: 50.00\nModel\t\t: Raspberry Pi 4\n"),
            "Raspberry Pi 4");
}

TEST(CaptureProbeParse, MemTotalInBytes) {
  EXPECT_EQ(ParseMemTotal("MemTotal:       24683584 kB\nMemFree: 1 kB\n"), 24683584LL * 1024);
  EXPECT_EQ(ParseMemTotal("nothing here"), 0);
}

TEST(CaptureProbeParse, ProcCgroupV2AndV1) {
  auto v2 = ParseProcCgroup("0::/kubepods/pod1/c1\n");
  EXPECT_EQ(v2["v2"], "/kubepods/pod1/c1");
  auto v1 = ParseProcCgroup("4:memory:/pod/x\n1:cpu,cpuacct:/pod/y\n0::/\n");
  EXPECT_EQ(v1["memory"], "/pod/x");
  EXPECT_EQ(v1["cpu"], "/pod/y");
  EXPECT_EQ(v1["cpuacct"], "/pod/y");
}

TEST(CaptureProbeParse, CpuMaxInCores) {
  EXPECT_EQ(ParseCpuMax("200000 100000\n"), 2.0);
  EXPECT_EQ(ParseCpuMax("50000 100000"), 0.5);
  EXPECT_EQ(ParseCpuMax("max 100000\n"), std::nullopt);
}

TEST(CaptureProbeParse, CfsQuotaInCores) {
  EXPECT_EQ(ParseCfsQuota("150000\n", "100000\n"), 1.5);
  EXPECT_EQ(ParseCfsQuota("-1\n", "100000\n"), std::nullopt);
}

TEST(CaptureProbeParse, MemoryLimitAndItsUnlimitedForms) {
  EXPECT_EQ(ParseMemoryLimit("4294967296\n"), int64_t{4294967296});
  EXPECT_EQ(ParseMemoryLimit("max\n"), std::nullopt);
  EXPECT_EQ(ParseMemoryLimit("9223372036854771712\n"), std::nullopt);  // v1 "unlimited"
}

TEST(CaptureProbeParse, PythonVersion) {
  EXPECT_EQ(ParsePythonVersion("Python 3.11.7\n"), "3.11.7");
  EXPECT_EQ(ParsePythonVersion("Python 3.13.0rc1\n"), "3.13.0rc1");
  EXPECT_EQ(ParsePythonVersion("sh: python3: not found"), "");
}

TEST(CaptureProbeParse, PackagesFromImportlibObjectOrPipList) {
  EXPECT_EQ(ParsePackages(R"({"numpy": "1.26.4", "torch": "2.3.1"})"),
            (std::map<std::string, std::string>{{"numpy", "1.26.4"}, {"torch", "2.3.1"}}));
  EXPECT_EQ(ParsePackages(R"([{"name": "pip", "version": "23.2.1"}, {"name": 1}])"),
            (std::map<std::string, std::string>{{"pip", "23.2.1"}}));
  EXPECT_TRUE(ParsePackages("WARNING: not json").empty());
}

TEST(CaptureProbeParse, NvidiaSmiCsv) {
  auto list =
      ParseNvidiaSmi("NVIDIA H200, 143771 MiB, 550.54.15\nNVIDIA H200, 143771 MiB, 550.54.15\n\n");
  ASSERT_EQ(list.gpus.size(), 2u);
  EXPECT_EQ(list.gpus[0].name, "NVIDIA H200");
  EXPECT_EQ(list.gpus[0].memory_mib, 143771);
  EXPECT_EQ(list.driver, "550.54.15");
}

TEST(CaptureProbeParse, NvidiaSmiGarbageGivesNoGpus) {
  EXPECT_TRUE(ParseNvidiaSmi("No devices were found\n").gpus.empty());
}

TEST(CaptureProbeParse, FrameworkProbeOutput) {
  auto torch = ParseFrameworkProbe(R"({"version": "2.3.1+cu121", "cuda": "12.1"})");
  ASSERT_TRUE(torch.has_value());
  EXPECT_EQ(torch->version, "2.3.1+cu121");
  EXPECT_EQ(torch->cuda, "12.1");
  EXPECT_EQ(ParseFrameworkProbe("{}"), std::nullopt);  // not installed
}

}  // namespace
}  // namespace runledger::capture
