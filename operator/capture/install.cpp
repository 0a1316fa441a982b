#include "capture/install.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace runledger::capture {

namespace {

Status Fail(const std::string& what, const std::string& path) {
  return IoError(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Status InstallSelf(const std::string& dest, const std::string& argv0) {
  std::string source = "/proc/self/exe";
  int in = open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    source = argv0;
    in = open(source.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (in < 0) return Fail("open", source);
  const std::string tmp = dest + ".tmp";
  const int out = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (out < 0) {
    Status s = Fail("create", tmp);
    close(in);
    return s;
  }
  char buf[65536];
  Status result;
  while (result.ok()) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) result = Fail("read", source);
    if (n <= 0) break;
    for (ssize_t done = 0; done < n && result.ok();) {
      ssize_t w = write(out, buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) result = Fail("write", tmp);
      if (w > 0) done += w;
    }
  }
  close(in);
  if (result.ok() && fchmod(out, 0755) != 0) result = Fail("chmod", tmp);
  if (result.ok() && fsync(out) != 0) result = Fail("sync", tmp);
  if (close(out) != 0 && result.ok()) result = Fail("close", tmp);
  if (result.ok() && rename(tmp.c_str(), dest.c_str()) != 0) result = Fail("rename to", dest);
  if (!result.ok()) unlink(tmp.c_str());
  return result;
}

}  // namespace runledger::capture
