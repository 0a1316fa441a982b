// Supervise runs the trainer as runledger-capture's child and stays with it
// until it ends: the program's main loop (docs/capture.md).
//
// Flow:
//  1. Blocks SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGCHLD
//     and takes them from a signalfd (as PID 1 a signal without a handler
//     would be dropped by the kernel).
//  2. Starts the child with the exact argv (PATH lookup as execvp), its
//     stdout and stderr on pipes, everything else inherited (stdin, env,
//     working directory, process group).
//  3. Forks the probe process, which reports its findings as JSON lines.
//  4. Loops: passes output through (StreamPump), forwards each of the six
//     signals to the child, reaps every child that ends (all orphans too,
//     when PID 1, as tini does).
//  5. After the child ends: reads its pipes to EOF, at most `drain` longer
//     (a grandchild may hold them open); waits for the probes at most
//     `probe_wait` (1 s after a terminating signal: the grace period is
//     running), then kills them; writes the summary once the probes are done.
//
// Returns the exit status to exit with: the child's (128 + signal when it
// was killed), or kOwnFailure after printing why on stderr; with it the
// child's wait status and the probes' last, untruncated report.
//
// Thread-safety: call once, from the main thread of a single-threaded
// process. The hooks may start threads (the metric pusher): the child and
// the probe process are both forked before the first line is read.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "capture/line_splitter.h"
#include "capture/summary.h"

namespace runledger::capture {

struct SuperviseOptions {
  std::vector<std::string> argv;
  bool probes = true;
  std::chrono::milliseconds probe_wait{10000};
  // The probes are stopped this long after the start even while the child runs.
  std::chrono::milliseconds probe_cap{120000};
  std::chrono::milliseconds drain{2000};
  std::string termination_log;          // where the summary goes
  bool create_termination_log = false;  // false: write only if it exists
  // Per-line hooks on the passing output (metric lines, metric_collector.h).
  LineSplitter::Hook stdout_hook;
  LineSplitter::Hook stderr_hook;
};

struct SuperviseResult {
  int exit_code = 0;
  bool child_ran = false;  // the child started and ended (false on most kOwnFailures)
  int wait_status = 0;     // the child's, as waitpid() gave it
  std::optional<CaptureSummary> summary;  // none without probes
};

SuperviseResult Supervise(const SuperviseOptions& options, const Clock& clock);

}  // namespace runledger::capture
