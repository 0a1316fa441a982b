#include "capture/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "capture/exit_codes.h"
#include "capture/probe_process.h"
#include "capture/spawn.h"
#include "capture/stream_pump.h"
#include "capture/summary.h"
#include "capture/termination_log.h"

extern char** environ;

namespace runledger::capture {

namespace {

using std::chrono::milliseconds;
using SteadyTime = Clock::SteadyTime;

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
constexpr milliseconds kProbeWaitAfterSignal{1000};
// One probe report is the whole summary, packages included: thousands of
// packages are a few hundred KiB. A longer report is dropped, so this only
// bounds memory.
constexpr size_t kMaxProbeReport = 16 << 20;

int OwnFailure(const std::string& what) {
  std::fprintf(stderr, "runledger-capture: %s\n", what.c_str());
  return kOwnFailure;
}

bool IsForwarded(int sig) {
  for (int s : kForwarded) {
    if (s == sig) return true;
  }
  return false;
}

bool IsTerminating(int sig) {
  return sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT;
}

// Everything the loop tracks; one instance per Supervise call.
class Loop {
 public:
  Loop(const SuperviseOptions& options, const Clock& clock)
      : options_(options), clock_(clock), start_(clock.SteadyNow()) {}

  int Run();
  SuperviseResult Outcome(int exit_code) const {
    return {exit_code, child_ != 0 && !child_running_, child_status_, latest_};
  }

 private:
  void OnSignals();
  void Reap();
  void CheckDeadlines();
  void StopProbes(const std::string& why);
  void WriteSummaryOnce();
  int PollTimeoutMs() const;
  bool Done() const;

  const SuperviseOptions& options_;
  const Clock& clock_;
  const SteadyTime start_;
  int signal_fd_ = -1;
  pid_t child_ = 0;
  bool child_running_ = false;
  int child_status_ = 0;
  SteadyTime child_end_{};
  bool terminating_ = false;
  std::unique_ptr<StreamPump> out_, err_, probes_;
  pid_t probe_pid_ = 0;                   // 0 once reaped
  std::optional<CaptureSummary> latest_;  // the probes' last complete report
  bool summary_written_ = false;
};

int Loop::Run() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : kForwarded) sigaddset(&set, s);
  sigaddset(&set, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
    return OwnFailure(std::string("sigprocmask: ") + std::strerror(errno));
  }
  signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd_ < 0) return OwnFailure(std::string("signalfd: ") + std::strerror(errno));
  // A closed stdout must show as EPIPE from write(), not kill us.
  signal(SIGPIPE, SIG_IGN);

  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    return OwnFailure(std::string("pipe: ") + std::strerror(errno));
  }
  SpawnOptions spawn;
  spawn.argv = options_.argv;
  spawn.stdout_fd = out[1];
  spawn.stderr_fd = err[1];
  auto pid = Spawn(spawn);
  close(out[1]);
  close(err[1]);
  if (!pid.ok()) {
    close(out[0]);
    close(err[0]);
    return OwnFailure(pid.status().message());
  }
  child_ = *pid;
  child_running_ = true;
  out_ = std::make_unique<StreamPump>(out[0], 1, options_.stdout_hook);
  err_ = std::make_unique<StreamPump>(err[0], 2, options_.stderr_hook);

  if (options_.probes) {
    ProbeOptions probe_options;
    for (char** e = environ; e && *e; ++e) probe_options.environ.emplace_back(*e);
    auto probe = StartProbeProcess(probe_options, clock_, {out[0], err[0], signal_fd_});
    if (probe.ok()) {
      probe_pid_ = probe->pid;
      auto on_report = [this](std::string_view line, bool cut) {
        if (cut) return;  // longer than kMaxProbeReport: the previous report stands
        if (auto s = ParseSummary(line); s.ok()) latest_ = std::move(*s);
      };
      probes_ = std::make_unique<StreamPump>(probe->results_fd, -1, on_report, kMaxProbeReport);
    }
    // No probe process (no memory, no pids): the run goes on without a summary.
  }

  while (!Done()) {
    pollfd fds[4];
    StreamPump* pumps[4] = {nullptr, nullptr, nullptr, nullptr};
    nfds_t n = 0;
    fds[n++] = {signal_fd_, POLLIN, 0};
    for (StreamPump* p : {out_.get(), err_.get(), probes_.get()}) {
      if (p && p->open()) {
        pumps[n] = p;
        fds[n++] = {p->fd(), POLLIN, 0};
      }
    }
    const int ready = poll(fds, n, PollTimeoutMs());
    if (ready < 0 && errno != EINTR)
      return OwnFailure(std::string("poll: ") + std::strerror(errno));
    if (ready > 0) {
      if (fds[0].revents) OnSignals();
      for (nfds_t i = 1; i < n; ++i) {
        if (fds[i].revents) pumps[i]->OnReadable();
      }
    }
    if (probes_ && !probes_->open()) WriteSummaryOnce();
    CheckDeadlines();
  }
  WriteSummaryOnce();
  return ExitCodeOf(child_status_);
}

void Loop::OnSignals() {
  signalfd_siginfo info;
  while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    const int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGCHLD) continue;  // reaped below, once for all coalesced SIGCHLDs
    // After the child ended a terminating signal still shortens the wait
    // for the probes: the pod's grace period has started.
    if (IsTerminating(sig)) terminating_ = true;
    if (IsForwarded(sig) && child_running_) kill(child_, sig);
  }
  Reap();
}

void Loop::Reap() {
  int status = 0;
  pid_t pid;
  // waitpid(-1): as PID 1 this also collects orphans re-parented to us.
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == child_ && child_running_) {
      child_running_ = false;
      child_status_ = status;
      child_end_ = clock_.SteadyNow();
    } else if (pid == probe_pid_) {
      probe_pid_ = 0;
    }
  }
}

void Loop::CheckDeadlines() {
  const SteadyTime now = clock_.SteadyNow();
  if (probes_ && probes_->open()) {
    if (now >= start_ + options_.probe_cap) {
      StopProbes("the probes were stopped after " + std::to_string(options_.probe_cap.count()) +
                 " ms");
    } else if (!child_running_) {
      const milliseconds wait =
          terminating_ ? std::min(options_.probe_wait, kProbeWaitAfterSignal) : options_.probe_wait;
      if (now >= child_end_ + wait) {
        StopProbes("the probes were stopped " + std::to_string(wait.count()) +
                   " ms after the command ended");
      }
    }
  }
  if (!child_running_ && now >= child_end_ + options_.drain) {
    // A grandchild still holds the pipes: what it writes from now on is lost.
    out_->Close();
    err_->Close();
  }
}

void Loop::StopProbes(const std::string& why) {
  if (probe_pid_ > 0) kill(-probe_pid_, SIGKILL);
  probes_->Close();
  if (!latest_) latest_.emplace();
  latest_->errors["probes"] = why;
  WriteSummaryOnce();
}

void Loop::WriteSummaryOnce() {
  if (summary_written_ || !probes_) return;
  summary_written_ = true;
  if (!latest_) {
    latest_.emplace();
    latest_->errors["probes"] = "the probe process reported nothing";
  }
  const std::string path =
      options_.termination_log.empty() ? kDefaultTerminationLog : options_.termination_log;
  // A summary that cannot be written is not worth failing the run for.
  WriteTerminationMessage(path, WriteSummary(*latest_), options_.create_termination_log)
      .IgnoreError();
}

int Loop::PollTimeoutMs() const {
  std::optional<SteadyTime> next;
  auto consider = [&next](SteadyTime t) {
    if (!next || t < *next) next = t;
  };
  if (probes_ && probes_->open()) {
    consider(start_ + options_.probe_cap);
    if (!child_running_) {
      consider(child_end_ + (terminating_ ? std::min(options_.probe_wait, kProbeWaitAfterSignal)
                                          : options_.probe_wait));
    }
  }
  if (!child_running_ && (out_->open() || err_->open())) consider(child_end_ + options_.drain);
  if (!next) return -1;
  const auto left =
      std::chrono::duration_cast<milliseconds>(*next - clock_.SteadyNow()).count() + 1;
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
}

bool Loop::Done() const {
  return !child_running_ && !out_->open() && !err_->open() && !(probes_ && probes_->open());
}

}  // namespace

SuperviseResult Supervise(const SuperviseOptions& options, const Clock& clock) {
  Loop loop(options, clock);
  const int exit_code = loop.Run();
  return loop.Outcome(exit_code);
}

}  // namespace runledger::capture
