#include "capture/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "capture/exit_codes.h"

namespace runledger::capture {

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return kSignalBase + WTERMSIG(wait_status);
  return kOwnFailure;  // stopped or continued: never passed here
}

void ResetSignalsForChild() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Handlers are reset by exec; ignored signals are inherited, so undo ours.
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    signal(sig, SIG_DFL);
  }
}

namespace {

void WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    size -= static_cast<size_t>(n);
  }
}

// Makes `fd` the child's `target` descriptor; -1 leaves it alone.
bool MoveTo(int fd, int target) {
  if (fd < 0 || fd == target) {
    // dup2 to itself would keep FD_CLOEXEC; clear it so exec keeps the fd.
    if (fd == target) return fcntl(fd, F_SETFD, 0) == 0;
    return true;
  }
  return dup2(fd, target) == target;
}

}  // namespace

Result<pid_t> Spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return InvalidArgument("no command to run");
  // Everything the child needs is built before fork.
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  const pid_t parent = getpid();
  int report[2];  // the child writes its exec errno here; EOF means exec succeeded
  if (pipe2(report, O_CLOEXEC) != 0) {
    return Internal(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(report[0]);
    close(report[1]);
    return Internal(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    close(report[0]);
    ResetSignalsForChild();
    if (options.new_process_group) setpgid(0, 0);
    if (options.die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // the parent died before prctl
    }
    int err = 0;
    if (!MoveTo(options.stdin_fd, 0) || !MoveTo(options.stdout_fd, 1) ||
        !MoveTo(options.stderr_fd, 2)) {
      err = errno;
    } else {
      execvp(argv[0], argv.data());
      err = errno;
    }
    WriteAll(report[1], &err, sizeof err);
    _exit(127);
  }
  close(report[1]);
  int err = 0;
  ssize_t n;
  do {
    n = read(report[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n <= 0) return pid;  // EOF: the exec closed the pipe (FD_CLOEXEC)

  int ignored;
  while (waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
  }
  const std::string what = "cannot run \"" + options.argv[0] + "\": " + std::strerror(err);
  if (err == ENOENT) {
    const char* path = getenv("PATH");
    return NotFound(options.argv[0].find('/') == std::string::npos
                        ? what + " (looked up on PATH=" + (path ? path : "/bin:/usr/bin") + ")"
                        : what);
  }
  if (err == EACCES) return Status(Code::kPermissionDenied, what);
  return Internal(what);
}

}  // namespace runledger::capture
