#include "capture/probe_process.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "capture/spawn.h"
#include "capture/summary.h"

namespace runledger::capture {

namespace {

void WriteLine(int fd, std::string line) {
  line.push_back('\n');
  std::string_view rest(line);
  while (!rest.empty()) {
    const ssize_t n = write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0);  // the supervisor is gone or stopped listening
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

Result<ProbeProcess> StartProbeProcess(const ProbeOptions& options, const Clock& clock,
                                       const std::vector<int>& close_in_child) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(fds[0]);
    close(fds[1]);
    return Internal(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    close(fds[0]);
    for (int fd : close_in_child) close(fd);
    ResetSignalsForChild();
    setpgid(0, 0);
    int null = open("/dev/null", O_RDWR);
    if (null < 0) {
      // No /dev/null (an empty root): a pipe nobody reads swallows up to its
      // buffer, and a probe that writes more stalls into its timeout.
      int sink[2];
      if (pipe(sink) == 0) null = sink[1];
    }
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
      if (null > 2) close(null);
    }
    RunProbes(options, clock, [&](const CaptureSummary& summary) {
      WriteLine(fds[1], WriteSummary(summary, std::numeric_limits<size_t>::max()));
    });
    // _exit, not exit: the parent's objects copied by fork are not ours to destroy.
    _exit(0);
  }
  close(fds[1]);
  // Also from the parent, so the group exists before anyone kills it.
  setpgid(pid, pid);
  return ProbeProcess{pid, fds[0]};
}

}  // namespace runledger::capture
