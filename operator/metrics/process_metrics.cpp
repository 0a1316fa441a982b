// Process metrics from /proc/self/stat, /proc/stat, /proc/self/fd and getrlimit.
#include "metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace runledger::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<double> ToDouble(std::string_view s) {
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

double Ticks() { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

std::optional<ProcStat> ReadSelfStat() { return ParseProcStat(ReadFile("/proc/self/stat")); }

double OpenFds() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return kNaN;
  double n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n - 1;  // The directory stream's own descriptor.
}

double MaxFds() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return kNaN;
  return rl.rlim_cur == RLIM_INFINITY ? std::numeric_limits<double>::infinity()
                                      : static_cast<double>(rl.rlim_cur);
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // Split what follows the command into fields; the first is field 3 (state).
  std::vector<std::string_view> f;
  size_t i = close + 1;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\n') ++j;
    if (j > i) f.push_back(text.substr(i, j - i));
    i = j;
  }
  auto field = [&](size_t n) -> std::optional<double> {  // n: 1-based field number.
    if (n - 3 >= f.size()) return std::nullopt;
    return ToDouble(f[n - 3]);
  };
  auto utime = field(14), stime = field(15), start = field(22), vsize = field(23), rss = field(24);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *start, *vsize, *rss};
}

std::optional<double> ParseBootTime(std::string_view proc_stat) {
  size_t pos = 0;
  while (pos < proc_stat.size()) {
    size_t end = proc_stat.find('\n', pos);
    if (end == std::string_view::npos) end = proc_stat.size();
    std::string_view line = proc_stat.substr(pos, end - pos);
    if (line.starts_with("btime ")) return ToDouble(line.substr(6));
    pos = end + 1;
  }
  return std::nullopt;
}

void RegisterProcessMetrics(Registry& registry) {
  // The start time never changes: compute it once.
  double start_time = kNaN;
  auto self = ReadSelfStat();
  auto boot = ParseBootTime(ReadFile("/proc/stat"));
  if (self && boot) start_time = *boot + self->start_ticks / Ticks();

  registry.CounterCallback("process_cpu_seconds_total",
                           "Total user and system CPU time spent in seconds.", [] {
                             auto s = ReadSelfStat();
                             return s ? (s->utime_ticks + s->stime_ticks) / Ticks() : kNaN;
                           });
  registry.GaugeCallback("process_resident_memory_bytes", "Resident memory size in bytes.", [] {
    auto s = ReadSelfStat();
    return s ? s->rss_pages * static_cast<double>(sysconf(_SC_PAGESIZE)) : kNaN;
  });
  registry.GaugeCallback("process_virtual_memory_bytes", "Virtual memory size in bytes.", [] {
    auto s = ReadSelfStat();
    return s ? s->vsize_bytes : kNaN;
  });
  registry.GaugeCallback("process_open_fds", "Number of open file descriptors.", OpenFds);
  registry.GaugeCallback("process_max_fds", "Maximum number of open file descriptors.", MaxFds);
  registry.GaugeCallback("process_start_time_seconds",
                         "Start time of the process since unix epoch in seconds.",
                         [start_time] { return start_time; });
}

}  // namespace runledger::metrics
