// Thin POSIX helpers shared by the WAL and the file:// object store: each
// call returns a Status whose message names the path and the errno text.
//
// Errors: ENOSPC, EDQUOT and EFBIG (file-size limit) map to
// kResourceExhausted ("out of space"); other failures to kIoError; a missing
// file to kNotFound. Thread-safety: functions are safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger::store {

// A Status for the current errno: "<what> <path>: <strerror>".
Status ErrnoStatus(std::string_view what, std::string_view path, int err);

// An open file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Opens `path` with open(2) flags; O_CLOEXEC is always added.
Result<Fd> OpenFile(const std::string& path, int flags, int mode = 0644);
// Writes all of `data` at the file offset, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view data, std::string_view path);
// Reads up to `n` bytes at `offset`; returns the count read (0 at end).
Result<size_t> PreadSome(int fd, char* buf, size_t n, uint64_t offset, std::string_view path);
// fdatasync(2) / fsync(2) with the path in the error.
Status DataSync(int fd, std::string_view path);
Status FullSync(int fd, std::string_view path);
// fsyncs a directory so that entries created or renamed in it are durable.
Status SyncDir(const std::string& dir);
// mkdir -p; each directory created is made durable in its parent.
Status MakeDirs(const std::string& dir);
// The whole contents of a file.
Result<std::string> ReadFile(const std::string& path);
// The directory part of a path ("a/b/c" -> "a/b"; "c" -> ".").
std::string DirName(const std::string& path);

}  // namespace runledger::store
