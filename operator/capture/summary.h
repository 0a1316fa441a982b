// The capture summary: what runledger-capture found out about the container
// it ran in, and the bounded JSON form it hands to the operator through the
// container's termination message (docs/capture.md, "The summary").
//
// Both sides use this file: runledger-capture writes the summary with
// WriteSummary; the TrainingRun controller reads a terminated trainer's
// termination message with ParseSummary and fills `status.env` from
// StatusEnv. It makes no OS calls, so any layer may link it.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runledger::capture {

// The value of the format marker key; bumped on an incompatible change.
inline constexpr int kSummaryFormatVersion = 1;
// The kubelet keeps at most 4096 bytes of a container's termination message.
inline constexpr size_t kTerminationMessageLimit = 4096;

struct Framework {
  std::string version;  // e.g. "2.3.1+cu121"
  std::string cuda;     // the CUDA version it was built with, e.g. "12.1"; empty if CPU-only
};

struct Gpu {
  std::string name;        // as nvidia-smi names it, e.g. "NVIDIA H200"
  int64_t memory_mib = 0;  // total memory; 0 if unknown
};

struct CaptureSummary {
  std::string os;      // PRETTY_NAME of /etc/os-release, e.g. "Debian GNU/Linux 12 (bookworm)"
  std::string kernel;  // e.g. "Linux 6.1.0-18-amd64 x86_64"
  std::string cpu_model;
  int64_t cpu_count = 0;                        // CPUs this process may run on; 0 if unknown
  std::optional<double> cpu_limit;              // cgroup CPU quota in cores; absent when unlimited
  int64_t memory_bytes = 0;                     // MemTotal; 0 if unknown
  std::optional<int64_t> memory_limit_bytes;    // cgroup memory limit; absent when unlimited
  std::string python;                           // e.g. "3.11.7"; empty when there is no python3
  std::map<std::string, Framework> frameworks;  // "torch", "tensorflow", "jax"
  std::string cuda;    // the CUDA version the run uses (a framework's build, else $CUDA_VERSION)
  std::string driver;  // NVIDIA driver version; empty without GPUs
  // Probed GPUs. Empty with gpus_probed = true means "no GPUs" (nvidia-smi
  // absent or listing none); gpus_probed = false means "not known".
  std::vector<Gpu> gpus;
  bool gpus_probed = false;
  std::map<std::string, std::string> env;       // selected variables, already redacted
  std::map<std::string, std::string> packages;  // Python distribution name -> version
  std::map<std::string, std::string> errors;    // probe name -> what went wrong
  // Groups WriteSummary dropped (wholly or partly) to fit; set by ParseSummary.
  std::vector<std::string> truncated;
};

// The summary as compact JSON of at most `limit` bytes, always one valid
// JSON object carrying the format marker {"runledgerCapture":1,...}.
// Strings are cut to 256 bytes (on a UTF-8 boundary; invalid UTF-8 is
// replaced). When the whole does not fit, groups are dropped least
// important first until it does: packages, env, errors (each of these and
// frameworks gets back the entries that still fit, in key order), kernel,
// each GPU's memory, frameworks, and finally every field but the marker
// ("truncated": ["all"]). The names of the groups touched are listed under
// "truncated". `limit` below 64 is treated as 64.
std::string WriteSummary(const CaptureSummary& summary, size_t limit = kTerminationMessageLimit);

// Reads what WriteSummary wrote (or an untruncated summary). Unknown keys
// and values of the wrong type are ignored, so an older operator reads a
// newer summary. Errors: InvalidArgument when `text` is not a JSON object
// carrying the format marker, e.g. a termination message the trainer wrote
// itself or a log tail (FallbackToLogsOnError).
Result<CaptureSummary> ParseSummary(std::string_view text);

// The GPUs as status.env shows them: "H200 x1", "A100-SXM4-80GB x2, T4 x1"
// (the "NVIDIA " prefix dropped, identical names counted, in order of first
// appearance); "none" when probed and absent; empty when not probed.
std::string GpuText(const CaptureSummary& summary);

// The string map the TrainingRun controller merges into `status.env`
// (values at most 1024 bytes). Keys, each present only when known: python,
// torch, tensorflow, jax (framework versions), cuda, driver, gpu, cpu
// ("<model> x<count>[, limit <n>]"), memory ("<n> GiB[, limit <n> GiB]"),
// os. imageDigest is not here: it comes from the pod status.
std::map<std::string, std::string> StatusEnv(const CaptureSummary& summary);

}  // namespace runledger::capture
