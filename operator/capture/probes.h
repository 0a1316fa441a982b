// The environment probes: what the container really has, read from inside
// it (docs/capture.md, "Probes").
//
// Each probe fills its part of a CaptureSummary. A probe that cannot read
// what it wants leaves the part empty and, when something is wrong rather
// than merely absent, records a line under summary.errors; none returns an
// error, none can fail the run. Commands (python3, nvidia-smi) run with a
// timeout each (ProbeTimeouts); file reads are bounded by the supervisor's
// overall deadline for the probe process.
//
// Thread-safety: call from a single-threaded process (probes fork).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "capture/summary.h"

namespace runledger::capture {

struct ProbeTimeouts {
  std::chrono::milliseconds python_version{5000};
  std::chrono::milliseconds packages{20000};
  std::chrono::milliseconds framework{30000};  // each of torch, tensorflow, jax
  std::chrono::milliseconds nvidia_smi{10000};
};

struct ProbeOptions {
  std::vector<std::string> environ;  // "NAME=value", the child's environment
  std::string root = "";             // prefix for /etc, /proc, /sys (tests)
  ProbeTimeouts timeouts;
};

// Runs every probe in turn, cheapest first (files, then nvidia-smi, then
// Python). After each one calls `progress` with the summary so far, so a
// probe process killed halfway still leaves everything found before.
void RunProbes(const ProbeOptions& options, const Clock& clock,
               const std::function<void(const CaptureSummary&)>& progress);

// The individual probes, in the order RunProbes runs them.
void ProbeOs(const ProbeOptions& options, CaptureSummary* summary);
void ProbeKernel(CaptureSummary* summary);
void ProbeCpu(const ProbeOptions& options, CaptureSummary* summary);
void ProbeMemory(const ProbeOptions& options, CaptureSummary* summary);
void ProbeEnv(const ProbeOptions& options, CaptureSummary* summary);
void ProbeGpus(const ProbeOptions& options, const Clock& clock, CaptureSummary* summary);
// Returns the interpreter it found ("python3", else "python"; empty if none).
std::string ProbePython(const ProbeOptions& options, const Clock& clock, CaptureSummary* summary);
// Imports only the frameworks whose distributions ProbePython listed (all
// three when the list is unknown); sets summary->cuda.
void ProbeFrameworks(const ProbeOptions& options, const Clock& clock, const std::string& python,
                     CaptureSummary* summary);

}  // namespace runledger::capture
