// Parsers for what the environment probes read: /etc/os-release,
// /proc/cpuinfo, /proc/meminfo, /proc/self/cgroup and the cgroup v1/v2
// limit files, `python3 --version`, package lists and nvidia-smi's CSV.
//
// Pure functions over text, so every format is unit-tested without the
// files. Each returns "unknown" (empty or nullopt) for text it cannot
// read rather than an error: no probe may fail a run.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/summary.h"

namespace runledger::capture {

// PRETTY_NAME, else "NAME VERSION_ID", with shell quoting removed.
std::string ParseOsRelease(std::string_view text);

// The first "model name" (x86), else "Model", "Hardware" or "cpu model".
std::string ParseCpuModel(std::string_view cpuinfo);

// MemTotal in bytes; 0 if absent.
int64_t ParseMemTotal(std::string_view meminfo);

// Where this process sits in each hierarchy, from /proc/self/cgroup:
// "v2" for the unified one ("0::/path"), else the v1 controller names
// ("cpu", "cpuacct", "memory", ...; a "cpu,cpuacct" line gives both).
std::map<std::string, std::string> ParseProcCgroup(std::string_view text);

// cgroup v2 cpu.max ("max 100000" or "<quota> <period>") in cores.
std::optional<double> ParseCpuMax(std::string_view text);
// cgroup v1 cpu.cfs_quota_us and cpu.cfs_period_us in cores (-1: none).
std::optional<double> ParseCfsQuota(std::string_view quota, std::string_view period);

// cgroup v2 memory.max or v1 memory.limit_in_bytes. "max", and v1's
// "unlimited" page-rounded INT64_MAX (anything from 2^62), are no limit.
std::optional<int64_t> ParseMemoryLimit(std::string_view text);

// "Python 3.11.7" -> "3.11.7"; empty if it is not that shape.
std::string ParsePythonVersion(std::string_view text);

// Either {"name": "version", ...} (our importlib.metadata script) or
// pip list --format=json's [{"name": ..., "version": ...}, ...]. Empty on
// anything else.
std::map<std::string, std::string> ParsePackages(std::string_view json_text);

// nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader:
// one "NVIDIA H200, 143771 MiB, 550.54.15" line per GPU. The driver is
// taken from the first line.
struct GpuList {
  std::vector<Gpu> gpus;
  std::string driver;
};
GpuList ParseNvidiaSmi(std::string_view csv);

// {"version": ..., "cuda": ...} printed by a framework probe; nullopt for
// "{}" (not installed) or anything unreadable.
std::optional<Framework> ParseFrameworkProbe(std::string_view json_text);

}  // namespace runledger::capture
