// Test helpers: run the real runledger-capture binary (or any command) with
// its stdout and stderr on separate pipes, read them byte for byte, signal
// it, and wait for it with a deadline; and a temporary directory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace runledger::capture::testing {

// The binary under test, built by CMake next to these tests.
inline const std::string kCaptureBin = RUNLEDGER_CAPTURE_BIN;

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  // Writes `content` to path()/name with `mode`; returns the full path.
  std::string Write(const std::string& name, const std::string& content, int mode = 0644) const;

 private:
  std::string path_;
};

class Process {
 public:
  // Starts argv (argv[0] is a path or looked up on PATH) with `env` added to
  // (or replacing in) this process's environment.
  Process(std::vector<std::string> argv, std::vector<std::string> env = {});
  ~Process();  // kills the process if it still runs

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }

  // Reads both pipes until stdout contains `marker` or the deadline passes.
  bool WaitForStdout(const std::string& marker, std::chrono::milliseconds timeout);
  // Reads both pipes to EOF and reaps the process; returns its exit status
  // as a shell reports it, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  // One poll round of at most `timeout`; false when both pipes are closed.
  bool ReadSome(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_, err_;
  bool reaped_ = false;
};

// Runs argv to completion (30 s deadline).
struct Ran {
  int code;
  std::string out, err;
};
Ran RunToEnd(std::vector<std::string> argv, std::vector<std::string> env = {});

// runledger-capture with `flags`, then "--", then `command`.
std::vector<std::string> CaptureArgv(std::vector<std::string> command,
                                     std::vector<std::string> flags = {"--no-probes"});

}  // namespace runledger::capture::testing
