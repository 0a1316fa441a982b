#include "capture/run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "capture/exit_codes.h"
#include "capture/spawn.h"

namespace runledger::capture {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

Result<CommandResult> RunCommand(const CommandOptions& options, const Clock& clock) {
  const auto deadline = clock.SteadyNow() + options.timeout;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + std::strerror(errno));
  Fd read_end{out[0]}, write_end{out[1]};
  Fd null{open("/dev/null", O_RDWR | O_CLOEXEC)};

  SpawnOptions spawn;
  spawn.argv = options.argv;
  spawn.stdin_fd = null.fd;  // -1 without /dev/null: the caller's stdin
  spawn.stdout_fd = write_end.fd;
  spawn.stderr_fd = options.merge_stderr ? write_end.fd : null.fd;
  spawn.new_process_group = true;
  spawn.die_with_parent = true;
  ASSIGN_OR_RETURN(pid_t pid, Spawn(spawn));
  close(write_end.fd);
  write_end.fd = -1;

  CommandResult result;
  bool timed_out = false;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.SteadyNow());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p = {read_end.fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline is checked at the top
    char buf[16384];
    const ssize_t n = read(read_end.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the command (and whatever it started) closed its output
    const size_t room = options.max_output - std::min(options.max_output, result.output.size());
    result.output.append(buf, std::min(room, static_cast<size_t>(n)));
  }
  if (timed_out) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return DeadlineExceeded("\"" + options.argv[0] + "\" did not finish within " +
                            std::to_string(options.timeout.count()) + " ms");
  }
  result.exit_code = ExitCodeOf(status);
  return result;
}

}  // namespace runledger::capture
