#include "capture/termination_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace runledger::capture {

Status WriteTerminationMessage(const std::string& path, std::string_view text, bool create) {
  const int flags = O_WRONLY | O_TRUNC | O_CLOEXEC | (create ? O_CREAT : 0);
  const int fd = open(path.c_str(), flags, 0644);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT && !create) return NotFound(path + " does not exist");
    return IoError("open " + path + ": " + std::strerror(err));
  }
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      close(fd);
      return IoError("write " + path + ": " + std::strerror(err));
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  if (close(fd) != 0) return IoError("close " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace runledger::capture
