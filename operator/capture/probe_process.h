// StartProbeProcess forks the process that runs the environment probes
// while the trainer runs, so a slow `import torch` never delays the
// trainer's start or its output.
//
// The probe process has its own process group (killed whole at the
// deadline, with any python3 it runs), default signals, and /dev/null as
// stdin, stdout and stderr: probes never write into the trainer's logs. It
// writes one JSON line per step to the returned pipe, each the whole
// summary so far (an untruncated WriteSummary); the last complete line is
// the result. `close_in_child` are descriptors the child closes first
// (the trainer's pipes, so their EOF is not delayed).
//
// Errors: Internal when no pipe or process could be made.
// Thread-safety: call from a single-threaded process.
#pragma once

#include <sys/types.h>

#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "capture/probes.h"

namespace runledger::capture {

struct ProbeProcess {
  pid_t pid = 0;
  int results_fd = -1;  // read end, owned by the caller
};

Result<ProbeProcess> StartProbeProcess(const ProbeOptions& options, const Clock& clock,
                                       const std::vector<int>& close_in_child);

}  // namespace runledger::capture
