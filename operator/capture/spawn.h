// Spawn starts a child process with an exact argv, looked up on PATH as
// execvp does, and reports a failed exec as an error instead of a child
// that exits 127.
//
// The child starts with an empty signal mask and default dispositions for
// every signal the caller may have changed (SIGPIPE included), so a
// supervisor that blocks or ignores signals leaves no trace in it.
//
// Errors: NotFound when the command does not exist on PATH (ENOENT),
// PermissionDenied when it is not executable (EACCES), Internal for other
// exec or fork failures; each message names the command and the reason.
// On an exec failure the child has been reaped.
//
// Thread-safety: call from a single-threaded process (it forks).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/status.h"

namespace runledger::capture {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH unless it has a '/'
  // File descriptors the child gets as 0, 1 and 2; -1 keeps the parent's.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Put the child in a process group of its own (to kill it with its children).
  bool new_process_group = false;
  // SIGKILL the child when the calling process dies (PR_SET_PDEATHSIG): a
  // probe's python3 must not outlive a probe process killed at its deadline.
  bool die_with_parent = false;
};

Result<pid_t> Spawn(const SpawnOptions& options);

// Resets what a supervisor changes (signal mask, ignored signals) to the
// defaults a fresh process has. Async-signal-safe: for use between fork
// and exec.
void ResetSignalsForChild();

}  // namespace runledger::capture
