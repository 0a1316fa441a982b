// The CPU, memory and OS probes read from a fake root (ProbeOptions::root):
// cgroup v2 and v1 layouts as a container sees them.
#include <gtest/gtest.h>

#include <filesystem>

#include "capture/probes.h"
#include "capture_process.h"

namespace runledger::capture {
namespace {

using testing::TempDir;

void Put(const TempDir& root, const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(root.path() + path).parent_path());
  root.Write(path.substr(1), content);
}

ProbeOptions At(const TempDir& root) {
  ProbeOptions o;
  o.root = root.path();
  return o;
}

TEST(CaptureCgroupProbe, V2LimitIsTheSmallestUpThePath) {
  TempDir root;
  Put(root, "/proc/self/cgroup", "0::/kubepods/pod1/c1\n");
  Put(root, "/sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
  Put(root, "/sys/fs/cgroup/kubepods/pod1/c1/cpu.max", "max 100000\n");
  Put(root, "/sys/fs/cgroup/kubepods/pod1/cpu.max", "150000 100000\n");  // set on the pod
  Put(root, "/sys/fs/cgroup/kubepods/pod1/c1/memory.max", "536870912\n");
  Put(root, "/sys/fs/cgroup/kubepods/pod1/memory.max", "max\n");
  CaptureSummary s;
  ProbeCpu(At(root), &s);
  ProbeMemory(At(root), &s);
  EXPECT_EQ(s.cpu_limit, 1.5);
  EXPECT_EQ(s.memory_limit_bytes, int64_t{536870912});
}

TEST(CaptureCgroupProbe, V2InsideCgroupNamespaceReadsTheRoot) {
  // With a cgroup namespace the container's own cgroup is "/".
  TempDir root;
  Put(root, "/proc/self/cgroup", "0::/\n");
  Put(root, "/sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
  Put(root, "/sys/fs/cgroup/cpu.max", "200000 100000\n");
  CaptureSummary s;
  ProbeCpu(At(root), &s);
  ProbeMemory(At(root), &s);
  EXPECT_EQ(s.cpu_limit, 2.0);
  EXPECT_EQ(s.memory_limit_bytes, std::nullopt);
}

TEST(CaptureCgroupProbe, V1LimitsFromTheControllerHierarchies) {
  TempDir root;
  Put(root, "/proc/self/cgroup", "4:memory:/pod/x\n3:cpu,cpuacct:/pod/x\n0::/\n");
  Put(root, "/sys/fs/cgroup/cpu,cpuacct/pod/x/cpu.cfs_quota_us", "50000\n");
  Put(root, "/sys/fs/cgroup/cpu,cpuacct/pod/x/cpu.cfs_period_us", "100000\n");
  Put(root, "/sys/fs/cgroup/memory/pod/x/memory.limit_in_bytes", "1073741824\n");
  Put(root, "/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  CaptureSummary s;
  ProbeCpu(At(root), &s);
  ProbeMemory(At(root), &s);
  EXPECT_EQ(s.cpu_limit, 0.5);
  EXPECT_EQ(s.memory_limit_bytes, int64_t{1073741824});
}

TEST(CaptureCgroupProbe, NoCgroupFilesMeansNoLimitNotAnError) {
  TempDir root;
  CaptureSummary s;
  ProbeCpu(At(root), &s);
  ProbeMemory(At(root), &s);
  EXPECT_EQ(s.cpu_limit, std::nullopt);
  EXPECT_EQ(s.memory_limit_bytes, std::nullopt);
  EXPECT_GT(s.cpu_count, 0);  // from the scheduler, not from files
  EXPECT_TRUE(s.errors.empty());
}

TEST(CaptureCgroupProbe, CpuModelAndMemoryFromProc) {
  TempDir root;
  Put(root, "/proc/cpuinfo", "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8480C\n");
  Put(root, "/proc/meminfo", "MemTotal:       2097152 kB\n");
  CaptureSummary s;
  ProbeCpu(At(root), &s);
  ProbeMemory(At(root), &s);
  EXPECT_EQ(s.cpu_model, "Intel(R) Xeon(R) Platinum 8480C");
  EXPECT_EQ(s.memory_bytes, int64_t{2} << 30);
}

TEST(CaptureCgroupProbe, OsReleaseFallsBackToUsrLib) {
  TempDir root;
  Put(root, "/usr/lib/os-release", "PRETTY_NAME=\"Distroless\"\n");
  CaptureSummary s;
  ProbeOs(At(root), &s);
  EXPECT_EQ(s.os, "Distroless");
}

}  // namespace
}  // namespace runledger::capture
