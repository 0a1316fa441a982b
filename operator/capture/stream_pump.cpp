#include "capture/stream_pump.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace runledger::capture {

namespace {
constexpr size_t kReadSize = 64 * 1024;
}

StreamPump::StreamPump(int in_fd, int out_fd, LineSplitter::Hook hook, size_t max_line)
    : in_fd_(in_fd),
      out_fd_(out_fd),
      out_failed_(out_fd < 0),
      splitter_(std::move(hook), max_line) {}

StreamPump::~StreamPump() {
  if (in_fd_ >= 0) close(in_fd_);
}

void StreamPump::OnReadable() {
  if (in_fd_ < 0) return;
  char buf[kReadSize];
  ssize_t n;
  do {
    n = read(in_fd_, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN) return;
  if (n <= 0) {
    Close();
    return;
  }
  const std::string_view bytes(buf, static_cast<size_t>(n));
  WriteOut(bytes);
  splitter_.Feed(bytes);
}

void StreamPump::Close() {
  if (in_fd_ < 0) return;
  close(in_fd_);
  in_fd_ = -1;
  splitter_.Finish();
}

void StreamPump::WriteOut(std::string_view bytes) {
  while (!out_failed_ && !bytes.empty()) {
    ssize_t n = write(out_fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      // An output inherited in non-blocking mode: wait until it drains.
      pollfd p = {out_fd_, POLLOUT, 0};
      poll(&p, 1, -1);
      continue;
    }
    if (n <= 0) {
      out_failed_ = true;  // keep draining the child; there is nowhere to write
      return;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace runledger::capture
