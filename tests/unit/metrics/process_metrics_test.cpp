#include "metrics/process_metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <map>
#include <sstream>

namespace runledger::metrics {
namespace {

// The sample values of unlabelled metrics in an exposition, by name.
std::map<std::string, double> Samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.find(' ');
    out[line.substr(0, sp)] = std::strtod(line.c_str() + sp + 1, nullptr);
  }
  return out;
}

TEST(ProcStat, CommandWithSpacesAndParensIsSkipped) {
  // Fields 3.. after "(a b) c)": state=S, then ppid.. up to rss (field 24).
  std::string line = "42 (a b) c) S";
  for (int field = 4; field <= 52; ++field) line += " " + std::to_string(field * 10);
  auto s = ParseProcStat(line + "\n");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->utime_ticks, 140);
  EXPECT_EQ(s->stime_ticks, 150);
  EXPECT_EQ(s->start_ticks, 220);
  EXPECT_EQ(s->vsize_bytes, 230);
  EXPECT_EQ(s->rss_pages, 240);
}

TEST(ProcStat, TruncatedLineIsRejected) {
  EXPECT_FALSE(ParseProcStat("1 (x) S 1 2 3").has_value());
}

TEST(ProcStat, BootTimeLine) {
  EXPECT_EQ(ParseBootTime("cpu 1 2 3\nbtime 1700000000\nprocesses 5\n"), 1700000000);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\n").has_value());
}

TEST(ProcessMetrics, ValuesDescribeThisProcess) {
  Registry r;
  RegisterProcessMetrics(r);
  auto s = Samples(r.Expose());
  ASSERT_EQ(s.size(), 6u);
  EXPECT_GT(s["process_resident_memory_bytes"], 1 << 20);  // A gtest binary is over 1 MiB.
  EXPECT_GE(s["process_virtual_memory_bytes"], s["process_resident_memory_bytes"]);
  EXPECT_GE(s["process_cpu_seconds_total"], 0);
  EXPECT_GE(s["process_open_fds"], 3);
  EXPECT_GE(s["process_max_fds"], s["process_open_fds"]);
  double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(s["process_start_time_seconds"], now + 1);
  EXPECT_GT(s["process_start_time_seconds"], now - 3600);
}

TEST(ProcessMetrics, OpenFdsFollowsOpenAndClose) {
  Registry r;
  RegisterProcessMetrics(r);
  double before = Samples(r.Expose())["process_open_fds"];
  int fds[3];
  for (int& fd : fds) fd = open("/dev/null", O_RDONLY);
  double during = Samples(r.Expose())["process_open_fds"];
  for (int fd : fds) close(fd);
  EXPECT_EQ(during, before + 3);
  EXPECT_EQ(Samples(r.Expose())["process_open_fds"], before);
}

}  // namespace
}  // namespace runledger::metrics
