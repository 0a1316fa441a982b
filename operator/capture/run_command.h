// RunCommand runs a probe's helper command (python3, nvidia-smi) with a
// deadline and collects its output, for the environment probes.
//
// The command runs in a process group of its own with stdin (and stderr,
// unless merged) on /dev/null, or the caller's own when there is no
// /dev/null; on the deadline the whole group is SIGKILLed. Output beyond
// `max_output` bytes is read and dropped, so a chatty command cannot grow
// memory or block on a full pipe. The command is SIGKILLed if the caller
// dies first (the supervisor kills the probe process at its deadline).
//
// Errors: NotFound when the command is not on PATH; DeadlineExceeded when
// it ran out of time; Internal when no pipe or process could be made. A
// command that runs and exits non-zero is not an error: see exit_code.
//
// Thread-safety: call from a single-threaded process (it forks).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace runledger::capture {

struct CommandResult {
  int exit_code = 0;   // as a shell reports it: 128 + signal when killed
  std::string output;  // stdout, and stderr too when merge_stderr
};

struct CommandOptions {
  std::vector<std::string> argv;
  std::chrono::milliseconds timeout{5000};
  size_t max_output = 1 << 20;
  bool merge_stderr = false;  // otherwise stderr goes to /dev/null
};

Result<CommandResult> RunCommand(const CommandOptions& options, const Clock& clock);

}  // namespace runledger::capture
