#include "capture_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include "capture/spawn.h"

extern char** environ;

namespace runledger::capture::testing {

using Steady = std::chrono::steady_clock;

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "rl-capture-XXXXXX").string();
  path_ = ::mkdtemp(tmpl.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& content, int mode) const {
  const std::string path = path_ + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
  return path;
}

Process::Process(std::vector<std::string> argv, std::vector<std::string> env) {
  std::vector<std::string> envp;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& add : env) replaced = replaced || add.substr(0, add.find('=')) == name;
    if (!replaced) envp.push_back(entry);
  }
  for (const auto& add : env) envp.push_back(add);
  std::vector<char*> a, e;
  for (auto& s : argv) a.push_back(s.data());
  a.push_back(nullptr);
  for (auto& s : envp) e.push_back(s.data());
  e.push_back(nullptr);

  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    ResetSignalsForChild();
    dup2(out[1], 1);
    dup2(err[1], 2);
    execvpe(a[0], a.data(), e.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

bool Process::ReadSome(std::chrono::milliseconds timeout) {
  pollfd fds[2];
  int* owners[2];
  nfds_t n = 0;
  for (int* fd : {&out_fd_, &err_fd_}) {
    if (*fd >= 0) {
      owners[n] = fd;
      fds[n++] = {*fd, POLLIN, 0};
    }
  }
  if (n == 0) return false;
  if (poll(fds, n, static_cast<int>(timeout.count())) <= 0) return true;
  for (nfds_t i = 0; i < n; ++i) {
    if (!fds[i].revents) continue;
    char buf[65536];
    const ssize_t got = read(*owners[i], buf, sizeof buf);
    if (got <= 0) {
      close(*owners[i]);
      *owners[i] = -1;
    } else {
      (owners[i] == &out_fd_ ? out_ : err_).append(buf, static_cast<size_t>(got));
    }
  }
  return true;
}

bool Process::WaitForStdout(const std::string& marker, std::chrono::milliseconds timeout) {
  const auto deadline = Steady::now() + timeout;
  while (out_.find(marker) == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    if (left.count() <= 0 || !ReadSome(left)) return out_.find(marker) != std::string::npos;
  }
  return true;
}

int Process::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  const auto deadline = Steady::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    if (left.count() <= 0) return -1;
    if (!ReadSome(left)) break;
  }
  // Both pipes are closed; the process ends now (or has ended).
  while (true) {
    int status = 0;
    const pid_t got = waitpid(pid_, &status, WNOHANG);
    if (got == pid_) {
      reaped_ = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    if (Steady::now() >= deadline) return -1;
    pollfd none{};
    poll(&none, 0, 5);  // poll interval while waiting for the exit status
  }
}

Ran RunToEnd(std::vector<std::string> argv, std::vector<std::string> env) {
  Process p(std::move(argv), std::move(env));
  const int code = p.Wait();
  return {code, p.out(), p.err()};
}

std::vector<std::string> CaptureArgv(std::vector<std::string> command,
                                     std::vector<std::string> flags) {
  std::vector<std::string> argv = {kCaptureBin};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

}  // namespace runledger::capture::testing
