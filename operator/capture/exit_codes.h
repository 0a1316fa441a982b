// The exit status of runledger-capture (docs/capture.md, "Exit status").
//
// The program exits with its child's status: the child's exit code, or
// 128 + the signal that killed it, as a shell reports it. kOwnFailure is
// the program's own failure (bad arguments, a command it cannot run, no
// pipes or processes left), always with a message on stderr. It matches
// Docker's code for "the runtime failed before the command ran".
#pragma once

namespace runledger::capture {

inline constexpr int kOwnFailure = 125;
inline constexpr int kSignalBase = 128;

// The exit status a shell would report for a waitpid() status.
int ExitCodeOf(int wait_status);

}  // namespace runledger::capture
