#include "capture/probes.h"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>

#include "base/file.h"
#include "base/strings.h"
#include "capture/probe_parse.h"
#include "capture/redact.h"
#include "capture/run_command.h"

namespace runledger::capture {

namespace {

// Lists every distribution with importlib.metadata (Python 3.8+) as one
// JSON object; exit 3 tells the caller to fall back to pip.
constexpr char kPackagesScript[] = R"(import json, sys
try:
    from importlib import metadata
except ImportError:
    sys.exit(3)
out = {}
for d in metadata.distributions():
    name = d.metadata["Name"]
    if name:
        out[name] = d.version
print(json.dumps(out))
)";

struct FrameworkProbe {
  const char* name;                        // key in summary.frameworks
  std::vector<const char*> distributions;  // any of these installed -> probe it
  const char* script;                      // prints {"version":..,"cuda":..} or {}
};

const std::vector<FrameworkProbe>& FrameworkProbes() {
  static const std::vector<FrameworkProbe> probes = {
      {"torch", {"torch"}, R"(import json
try:
    import torch
except ImportError:
    print("{}"); raise SystemExit(0)
print(json.dumps({"version": torch.__version__, "cuda": torch.version.cuda or ""}))
)"},
      {"tensorflow",
       {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly"},
       R"(import json
try:
    import tensorflow as tf
except ImportError:
    print("{}"); raise SystemExit(0)
info = tf.sysconfig.get_build_info()
print(json.dumps({"version": tf.__version__, "cuda": str(info.get("cuda_version", "") or "")}))
)"},
      {"jax", {"jax"}, R"(import json
try:
    import jax
except ImportError:
    print("{}"); raise SystemExit(0)
cuda = ""
try:
    from importlib import metadata
    for d in metadata.distributions():
        n = (d.metadata["Name"] or "").lower()
        for major in ("13", "12", "11"):
            if n.startswith("jax-cuda" + major) or n.startswith("jax_cuda" + major):
                cuda = cuda or major
    v = metadata.version("jaxlib")
    if not cuda and "+cuda" in v:
        cuda = v.split("+cuda")[1].split(".")[0]
except Exception:
    pass
print(json.dumps({"version": jax.__version__, "cuda": cuda}))
)"},
  };
  return probes;
}

std::string ReadOrEmpty(const std::string& path) {
  auto text = ReadFile(path);
  return text.ok() ? *text : std::string();
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

std::string EnvValue(const ProbeOptions& options, std::string_view name) {
  for (const auto& entry : options.environ) {
    if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=') {
      return entry.substr(name.size() + 1);
    }
  }
  return "";
}

// The cgroup directories from `leaf` up to `mount`, leaf first: a limit set
// on an ancestor bounds the process too.
std::vector<std::string> CgroupDirs(const std::string& mount, const std::string& leaf) {
  std::vector<std::string> dirs;
  std::filesystem::path p = std::filesystem::path(leaf).relative_path();
  while (true) {
    dirs.push_back((std::filesystem::path(mount) / p).lexically_normal().string());
    if (p.empty()) break;
    p = p.parent_path();
  }
  return dirs;
}

template <typename T, typename Read>
std::optional<T> SmallestLimit(const std::vector<std::string>& dirs, Read read) {
  std::optional<T> best;
  for (const auto& dir : dirs) {
    std::optional<T> v = read(dir);
    if (v && (!best || *v < *best)) best = v;
  }
  return best;
}

std::string Describe(const Status& s) { return s.message(); }

}  // namespace

void ProbeOs(const ProbeOptions& options, CaptureSummary* summary) {
  std::string text = ReadOrEmpty(options.root + "/etc/os-release");
  if (text.empty()) text = ReadOrEmpty(options.root + "/usr/lib/os-release");
  summary->os = ParseOsRelease(text);
}

void ProbeKernel(CaptureSummary* summary) {
  utsname u{};
  if (uname(&u) != 0) return;
  summary->kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
}

void ProbeCpu(const ProbeOptions& options, CaptureSummary* summary) {
  summary->cpu_model = ParseCpuModel(ReadOrEmpty(options.root + "/proc/cpuinfo"));
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    summary->cpu_count = CPU_COUNT(&set);
  } else {
    summary->cpu_count = sysconf(_SC_NPROCESSORS_ONLN);
  }
  const std::string cg_root = options.root + "/sys/fs/cgroup";
  const auto where = ParseProcCgroup(ReadOrEmpty(options.root + "/proc/self/cgroup"));
  if (Exists(cg_root + "/cgroup.controllers")) {  // cgroup v2 (unified)
    auto it = where.find("v2");
    summary->cpu_limit = SmallestLimit<double>(
        CgroupDirs(cg_root, it == where.end() ? "/" : it->second),
        [](const std::string& dir) { return ParseCpuMax(ReadOrEmpty(dir + "/cpu.max")); });
    return;
  }
  auto it = where.find("cpu");
  const std::string leaf = it == where.end() ? "/" : it->second;
  for (const char* mount : {"/cpu", "/cpu,cpuacct"}) {
    auto limit = SmallestLimit<double>(CgroupDirs(cg_root + mount, leaf), [](const std::string& d) {
      return ParseCfsQuota(ReadOrEmpty(d + "/cpu.cfs_quota_us"),
                           ReadOrEmpty(d + "/cpu.cfs_period_us"));
    });
    if (limit) {
      summary->cpu_limit = limit;
      return;
    }
  }
}

void ProbeMemory(const ProbeOptions& options, CaptureSummary* summary) {
  summary->memory_bytes = ParseMemTotal(ReadOrEmpty(options.root + "/proc/meminfo"));
  const std::string cg_root = options.root + "/sys/fs/cgroup";
  const auto where = ParseProcCgroup(ReadOrEmpty(options.root + "/proc/self/cgroup"));
  const bool v2 = Exists(cg_root + "/cgroup.controllers");
  auto it = where.find(v2 ? "v2" : "memory");
  const std::string leaf = it == where.end() ? "/" : it->second;
  const std::string mount = v2 ? cg_root : cg_root + "/memory";
  const char* file = v2 ? "/memory.max" : "/memory.limit_in_bytes";
  summary->memory_limit_bytes = SmallestLimit<int64_t>(
      CgroupDirs(mount, leaf),
      [file](const std::string& dir) { return ParseMemoryLimit(ReadOrEmpty(dir + file)); });
}

void ProbeEnv(const ProbeOptions& options, CaptureSummary* summary) {
  summary->env = SelectEnv(options.environ);
}

void ProbeGpus(const ProbeOptions& options, const Clock& clock, CaptureSummary* summary) {
  CommandOptions cmd;
  cmd.argv = {"nvidia-smi", "--query-gpu=name,memory.total,driver_version",
              "--format=csv,noheader"};
  cmd.timeout = options.timeouts.nvidia_smi;
  cmd.merge_stderr = true;
  auto result = RunCommand(cmd, clock);
  if (!result.ok()) {
    if (result.status().code() == Code::kNotFound) {
      summary->gpus_probed = true;  // no nvidia-smi: no NVIDIA GPUs, not an error
    } else {
      summary->errors["gpus"] = Describe(result.status());
    }
    return;
  }
  summary->gpus_probed = true;
  if (result->exit_code != 0) {
    // E.g. "No devices were found" or no driver: record why, as no GPUs.
    std::string_view first(result->output);
    first = TrimSpace(first.substr(0, first.find('\n')));
    summary->errors["gpus"] =
        "nvidia-smi exited " + std::to_string(result->exit_code) + ": " + std::string(first);
    return;
  }
  GpuList list = ParseNvidiaSmi(result->output);
  summary->gpus = std::move(list.gpus);
  summary->driver = std::move(list.driver);
}

std::string ProbePython(const ProbeOptions& options, const Clock& clock, CaptureSummary* summary) {
  std::string python;
  for (const char* candidate : {"python3", "python"}) {
    CommandOptions cmd;
    cmd.argv = {candidate, "--version"};
    cmd.timeout = options.timeouts.python_version;
    cmd.merge_stderr = true;  // Python 2 and early 3 print the version on stderr
    auto result = RunCommand(cmd, clock);
    if (!result.ok()) {
      if (result.status().code() != Code::kNotFound) {
        summary->errors["python"] = Describe(result.status());
      }
      continue;
    }
    summary->python = ParsePythonVersion(result->output);
    if (!summary->python.empty()) {
      python = candidate;
      summary->errors.erase("python");
      break;
    }
  }
  if (python.empty()) return python;

  CommandOptions cmd;
  cmd.argv = {python, "-c", kPackagesScript};
  cmd.timeout = options.timeouts.packages;
  cmd.max_output = 8 << 20;
  auto listed = RunCommand(cmd, clock);
  if (!listed.ok() || listed->exit_code != 0) {
    cmd.argv = {python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"};
    listed = RunCommand(cmd, clock);
  }
  if (!listed.ok()) {
    summary->errors["packages"] = Describe(listed.status());
  } else if (listed->exit_code != 0) {
    summary->errors["packages"] =
        "neither importlib.metadata nor pip could list packages (pip exited " +
        std::to_string(listed->exit_code) + ")";
  } else {
    summary->packages = ParsePackages(listed->output);
  }
  return python;
}

void ProbeFrameworks(const ProbeOptions& options, const Clock& clock, const std::string& python,
                     CaptureSummary* summary) {
  if (!python.empty()) {
    const bool listed = !summary->packages.empty();
    for (const auto& probe : FrameworkProbes()) {
      bool installed = !listed;
      for (const char* d : probe.distributions) installed = installed || summary->packages.count(d);
      if (!installed) continue;
      CommandOptions cmd;
      cmd.argv = {python, "-c", probe.script};
      cmd.timeout = options.timeouts.framework;
      auto result = RunCommand(cmd, clock);
      if (!result.ok()) {
        summary->errors[probe.name] = Describe(result.status());
      } else if (result->exit_code != 0) {
        summary->errors[probe.name] =
            "importing it failed (exit " + std::to_string(result->exit_code) + ")";
      } else if (auto fw = ParseFrameworkProbe(TrimSpace(result->output))) {
        summary->frameworks[probe.name] = *fw;
      }
    }
  }
  for (const char* name : {"torch", "tensorflow", "jax"}) {
    auto it = summary->frameworks.find(name);
    if (it != summary->frameworks.end() && !it->second.cuda.empty()) {
      summary->cuda = it->second.cuda;
      return;
    }
  }
  summary->cuda = EnvValue(options, "CUDA_VERSION");  // set by NVIDIA's CUDA images
}

void RunProbes(const ProbeOptions& options, const Clock& clock,
               const std::function<void(const CaptureSummary&)>& progress) {
  CaptureSummary summary;
  ProbeOs(options, &summary);
  ProbeKernel(&summary);
  ProbeCpu(options, &summary);
  ProbeMemory(options, &summary);
  ProbeEnv(options, &summary);
  progress(summary);
  ProbeGpus(options, clock, &summary);
  progress(summary);
  const std::string python = ProbePython(options, clock, &summary);
  progress(summary);
  ProbeFrameworks(options, clock, python, &summary);
  progress(summary);
}

}  // namespace runledger::capture
