// The deadline-bounded libgit2 socket stream; see deadline_stream.h.
#include "source/deadline_stream.h"

#include <fcntl.h>
#include <git2.h>
#include <git2/sys/stream.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#if !(LIBGIT2_VER_MAJOR == 1 && LIBGIT2_VER_MINOR == 5)
#error \
    "DeadlineSocketStream mirrors libgit2 1.5's git_socket_stream; re-check it (or use \
GIT_OPT_SET_SERVER_TIMEOUT from 1.7 on) before building against another libgit2"
#endif

namespace runledger::source::internal {
namespace {

thread_local CallDeadline* current_deadline = nullptr;

// The first four fields are libgit2 1.5's git_socket_stream, in its order
// (see the header); the rest is ours.
struct DeadlineSocketStream {
  git_stream parent;
  char* host;
  char* port;
  int s;
  CallDeadline* deadline;  // Not owned; null: no deadline.
};

int RemainingMillis(const DeadlineSocketStream* st) {
  return st->deadline == nullptr ? -1 : st->deadline->RemainingMillis();
}

int TimedOut(DeadlineSocketStream* st, const char* what) {
  if (st->deadline != nullptr) st->deadline->MarkExpired();
  git_error_set_str(GIT_ERROR_NET, what);
  return -1;
}

// Waits for `events` on the socket until the deadline. 1: ready, 0: timed
// out, -1: poll failed (errno set).
int WaitFor(DeadlineSocketStream* st, short events) {
  for (;;) {
    pollfd p{st->s, events, 0};
    int rc = ::poll(&p, 1, RemainingMillis(st));
    if (rc < 0 && errno == EINTR) continue;
    return rc;
  }
}

struct Lookup {
  Mutex mu;
  std::condition_variable_any cv;
  bool done GUARDED_BY(mu) = false;
  int rc GUARDED_BY(mu) = 0;
  addrinfo* info GUARDED_BY(mu) = nullptr;
  ~Lookup() NO_THREAD_SAFETY_ANALYSIS {
    if (info != nullptr) freeaddrinfo(info);
  }
};

// getaddrinfo has no timeout of its own beyond the resolver's retries, so it
// runs on a detached thread that owns a share of the answer; at the deadline
// we stop waiting and the thread frees the answer when it ends.
int ResolveHost(DeadlineSocketStream* st, addrinfo** out) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = AI_NUMERICHOST;
  if (getaddrinfo(st->host, st->port, &hints, out) == 0) return 0;  // A literal address.
  hints.ai_flags = 0;
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, host = std::string(st->host), port = std::string(st->port), hints] {
    addrinfo* info = nullptr;
    int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &info);
    MutexLock lock(lookup->mu);
    lookup->rc = rc;
    lookup->info = info;
    lookup->done = true;
    lookup->cv.notify_all();
  }).detach();
  MutexLock lock(lookup->mu);
  while (!lookup->done) {
    if (st->deadline == nullptr) {
      lookup->cv.wait(lookup->mu);
    } else if (lookup->cv.wait_until(lookup->mu, st->deadline->deadline()) ==
                   std::cv_status::timeout &&
               !lookup->done) {
      return TimedOut(st, "timed out resolving the host name");
    }
  }
  if (lookup->rc != 0) {
    git_error_set(GIT_ERROR_NET, "failed to resolve address for %s: %s", st->host,
                  gai_strerror(lookup->rc));
    return -1;
  }
  *out = lookup->info;
  lookup->info = nullptr;  // Ours now.
  return 0;
}

void CloseSocket(DeadlineSocketStream* st) {
  if (st->s < 0) return;
  if (st->deadline != nullptr) st->deadline->RemoveSocket(st->s);
  ::close(st->s);
  st->s = -1;
}

// Non-blocking connect to one address, bounded by the deadline. 0 when
// connected; else -1 with errno, or -2 when the deadline passed.
int ConnectOne(DeadlineSocketStream* st, const addrinfo* a) {
  st->s = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
  if (st->s < 0) return -1;
  if (st->deadline != nullptr) st->deadline->AddSocket(st->s);
  if (::connect(st->s, a->ai_addr, a->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return -1;
    int ready = WaitFor(st, POLLOUT);
    if (ready == 0) return -2;
    if (ready < 0) return -1;
    int error = 0;
    socklen_t len = sizeof(error);
    if (::getsockopt(st->s, SOL_SOCKET, SO_ERROR, &error, &len) != 0) return -1;
    if (error != 0) {
      errno = error;
      return -1;
    }
  }
  // Back to blocking: libssh2 drives this socket itself and expects it.
  int flags = ::fcntl(st->s, F_GETFL);
  if (flags < 0 || ::fcntl(st->s, F_SETFL, flags & ~O_NONBLOCK) != 0) return -1;
  return 0;
}

int StreamConnect(git_stream* stream) {
  auto* st = reinterpret_cast<DeadlineSocketStream*>(stream);
  addrinfo* info = nullptr;
  if (ResolveHost(st, &info) != 0) return -1;
  int last_errno = ECONNREFUSED;
  int rc = -1;
  for (const addrinfo* a = info; a != nullptr; a = a->ai_next) {
    rc = ConnectOne(st, a);
    if (rc == 0) break;
    last_errno = errno;
    CloseSocket(st);
    if (rc == -2) break;
  }
  freeaddrinfo(info);
  if (rc == -2) return TimedOut(st, "timed out connecting");
  if (rc != 0) {
    git_error_set(GIT_ERROR_NET, "failed to connect to %s: %s", st->host,
                  std::strerror(last_errno));
    return -1;
  }
  return 0;
}

ssize_t StreamRead(git_stream* stream, void* data, size_t len) {
  auto* st = reinterpret_cast<DeadlineSocketStream*>(stream);
  int ready = WaitFor(st, POLLIN);
  if (ready == 0) return TimedOut(st, "timed out waiting for the server");
  if (ready > 0) {
    for (;;) {
      ssize_t n = ::recv(st->s, data, len, 0);
      if (n >= 0) return n;
      if (errno != EINTR) break;
    }
  }
  if (st->deadline != nullptr && st->deadline->expired()) {
    return TimedOut(st, "timed out waiting for the server");
  }
  git_error_set(GIT_ERROR_NET, "error receiving data: %s", std::strerror(errno));
  return -1;
}

ssize_t StreamWrite(git_stream* stream, const char* data, size_t len, int flags) {
  auto* st = reinterpret_cast<DeadlineSocketStream*>(stream);
  int ready = WaitFor(st, POLLOUT);
  if (ready == 0) return TimedOut(st, "timed out sending to the server");
  if (ready > 0) {
    for (;;) {
      ssize_t n = ::send(st->s, data, len, flags | MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno != EINTR) break;
    }
  }
  if (st->deadline != nullptr && st->deadline->expired()) {
    return TimedOut(st, "timed out sending to the server");
  }
  git_error_set(GIT_ERROR_NET, "error sending data: %s", std::strerror(errno));
  return -1;
}

int StreamClose(git_stream* stream) {
  CloseSocket(reinterpret_cast<DeadlineSocketStream*>(stream));
  return 0;
}

void StreamFree(git_stream* stream) {
  auto* st = reinterpret_cast<DeadlineSocketStream*>(stream);
  CloseSocket(st);
  std::free(st->host);
  std::free(st->port);
  delete st;
}

int StreamNew(git_stream** out, const char* host, const char* port) {
  auto* st = new DeadlineSocketStream{};
  st->parent.version = GIT_STREAM_VERSION;
  st->parent.connect = StreamConnect;
  st->parent.read = StreamRead;
  st->parent.write = StreamWrite;
  st->parent.close = StreamClose;
  st->parent.free = StreamFree;
  st->host = ::strdup(host);
  st->port = ::strdup(port != nullptr ? port : "");
  st->s = -1;
  st->deadline = CallDeadline::Current();
  *out = &st->parent;
  return 0;
}

}  // namespace

CallDeadline::CallDeadline(std::chrono::steady_clock::time_point deadline)
    : deadline_(deadline), watchdog_([this] { Watch(); }) {}

CallDeadline::~CallDeadline() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  watchdog_.join();
}

int CallDeadline::RemainingMillis() const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline_ - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

void CallDeadline::AddSocket(int fd) {
  MutexLock lock(mu_);
  sockets_.push_back(fd);
  // A socket opened after the deadline passed is shut down at once.
  if (expired()) ::shutdown(fd, SHUT_RDWR);
}

void CallDeadline::RemoveSocket(int fd) {
  MutexLock lock(mu_);
  std::erase(sockets_, fd);
}

CallDeadline* CallDeadline::Current() { return current_deadline; }

void CallDeadline::Watch() {
  MutexLock lock(mu_);
  while (!stopping_) {
    if (cv_.wait_until(mu_, deadline_) == std::cv_status::timeout && !stopping_) {
      MarkExpired();
      // Wakes anything blocked on these sockets, in libssh2 or in poll.
      for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
      return;
    }
  }
}

ScopedCallDeadline::ScopedCallDeadline(CallDeadline* deadline) : previous_(current_deadline) {
  current_deadline = deadline;
}

ScopedCallDeadline::~ScopedCallDeadline() { current_deadline = previous_; }

Status RegisterDeadlineStream() {
  git_stream_registration registration{};
  registration.version = GIT_STREAM_VERSION;
  registration.init = StreamNew;
  registration.wrap = nullptr;
  if (git_stream_register(GIT_STREAM_STANDARD, &registration) != 0) {
    const git_error* e = git_error_last();
    return Internal(std::string("cannot register the libgit2 socket stream: ") +
                    (e != nullptr ? e->message : "unknown error"));
  }
  return Status::Ok();
}

}  // namespace runledger::source::internal
