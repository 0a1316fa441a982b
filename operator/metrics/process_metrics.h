// Process metrics, read from /proc at scrape time, with the names every
// Prometheus client uses:
//   process_cpu_seconds_total       counter  user + system CPU time
//   process_resident_memory_bytes   gauge    resident set size
//   process_virtual_memory_bytes    gauge    virtual memory size
//   process_open_fds                gauge    open file descriptors
//   process_max_fds                 gauge    soft limit on file descriptors
//   process_start_time_seconds      gauge    start time, seconds since the epoch
// A value that cannot be read (no /proc) is exposed as NaN rather than
// failing the scrape.
//
// Thread-safety: RegisterProcessMetrics as Registry; the parsers are pure.
#pragma once

#include <optional>
#include <string_view>

#include "metrics/registry.h"

namespace runledger::metrics {

void RegisterProcessMetrics(Registry& registry);

// The fields of /proc/<pid>/stat that the metrics use, in raw units.
struct ProcStat {
  double utime_ticks = 0;  // Field 14, clock ticks.
  double stime_ticks = 0;  // Field 15.
  double start_ticks = 0;  // Field 22, clock ticks after boot.
  double vsize_bytes = 0;  // Field 23.
  double rss_pages = 0;    // Field 24.
};
// Parses a /proc/<pid>/stat line. The command name (field 2) may hold
// spaces and parentheses, so fields are counted from the last ')'.
std::optional<ProcStat> ParseProcStat(std::string_view text);
// The "btime" line of /proc/stat: boot time, seconds since the epoch.
std::optional<double> ParseBootTime(std::string_view proc_stat);

}  // namespace runledger::metrics
