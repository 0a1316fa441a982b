// A socket stream for libgit2 that stops at the calling resolution's
// deadline. Internal to runledger_source.
//
// Why: libgit2 1.5 has no connect or read timeout (the server timeout
// options arrived in 1.7), so a server that accepts and never answers would
// hold a reconcile worker forever. RegisterDeadlineStream() makes this the
// process's GIT_STREAM_STANDARD stream; every connection libgit2 opens (HTTP,
// HTTPS under mbedTLS, SSH) then comes from here:
//   - the name lookup runs on a helper thread and is abandoned at the deadline;
//   - connect is non-blocking with a poll bounded by the deadline;
//   - read and write poll with the time left;
//   - a watchdog thread per call shuts the socket down at the deadline, for
//     the I/O that bypasses the stream: libssh2 reads and writes the socket
//     itself, and wakes up when it is shut down.
//
// Layout: libgit2 1.5's SSH transport reaches the socket of the stream it
// gets through GIT_CONTAINER_OF(io, git_socket_stream, parent), so the stream
// mirrors that struct's first four fields; deadline_stream.cpp refuses to
// compile against any other libgit2 minor version.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"

namespace runledger::source::internal {

// The deadline of one ResolveRevision call and the sockets opened under it.
// Time is the kernel's steady clock: the deadline bounds real socket waits,
// which an injected fake clock could not advance.
// Thread-safety: all methods are safe to call from any thread.
// Lifetime: must outlive every stream opened while it is Current().
class CallDeadline {
 public:
  explicit CallDeadline(std::chrono::steady_clock::time_point deadline);
  ~CallDeadline();  // Stops and joins the watchdog.
  CallDeadline(const CallDeadline&) = delete;
  CallDeadline& operator=(const CallDeadline&) = delete;

  std::chrono::steady_clock::time_point deadline() const { return deadline_; }
  // Milliseconds left, at least 0, for poll().
  int RemainingMillis() const;
  // True once a wait ran into the deadline (here or in the watchdog).
  bool expired() const { return expired_.load(); }
  void MarkExpired() { expired_.store(true); }

  // Sockets the watchdog shuts down at the deadline. RemoveSocket must be
  // called before the descriptor is closed, so it is never reused under us.
  void AddSocket(int fd) EXCLUDES(mu_);
  void RemoveSocket(int fd) EXCLUDES(mu_);

  // The deadline streams created on this thread use; null: none.
  static CallDeadline* Current();

 private:
  friend class ScopedCallDeadline;
  void Watch() EXCLUDES(mu_);

  const std::chrono::steady_clock::time_point deadline_;
  std::atomic<bool> expired_{false};
  Mutex mu_;
  std::condition_variable_any cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<int> sockets_ GUARDED_BY(mu_);
  std::thread watchdog_;
};

// Makes `deadline` Current() on this thread for its scope.
class ScopedCallDeadline {
 public:
  explicit ScopedCallDeadline(CallDeadline* deadline);
  ~ScopedCallDeadline();
  ScopedCallDeadline(const ScopedCallDeadline&) = delete;
  ScopedCallDeadline& operator=(const ScopedCallDeadline&) = delete;

 private:
  CallDeadline* previous_;
};

// Registers the stream with libgit2 (after git_libgit2_init). Errors:
// Internal with libgit2's message.
Status RegisterDeadlineStream();

}  // namespace runledger::source::internal
