#include "capture/metric_buffer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace runledger::capture {

namespace {

// The spill file holds one point per line: "<timestamp> <step> <value> <key>".
// The value is printed as a hex float (exact, and "nan"/"inf" read back);
// the key is last because it may contain spaces (never a newline).
constexpr size_t kSpillWriteChunk = 64 * 1024;
// Enough bytes for a full batch of the longest keys.
constexpr size_t kSpillLineMax = 400;

std::string SpillLine(const MetricPoint& p) {
  char head[96];
  std::snprintf(head, sizeof head, "%lld %lld %a ", static_cast<long long>(p.timestamp_ms),
                static_cast<long long>(p.step), p.value);
  return head + p.key + "\n";
}

bool ParseSpillLine(std::string_view line, MetricPoint& p) {
  const std::string s(line);
  char* end = nullptr;
  p.timestamp_ms = std::strtoll(s.c_str(), &end, 10);
  if (*end != ' ') return false;
  p.step = std::strtoll(end + 1, &end, 10);
  if (*end != ' ') return false;
  p.value = std::strtod(end + 1, &end);
  if (*end != ' ') return false;
  p.key = std::string(end + 1);
  return true;
}

}  // namespace

MetricBuffer::MetricBuffer(size_t memory_points, std::string spill_dir)
    : memory_points_(memory_points), spill_dir_(std::move(spill_dir)) {}

MetricBuffer::~MetricBuffer() {
  MutexLock lock(mu_);
  if (spill_fd_ >= 0) close(spill_fd_);
}

void MetricBuffer::Add(MetricPoint point) {
  MutexLock lock(mu_);
  if (spill_points_ == 0 && memory_.size() < memory_points_) {
    memory_.push_back(std::move(point));
  } else {
    SpillLockHeld(point);
  }
  cv_.notify_all();
}

void MetricBuffer::SpillLockHeld(const MetricPoint& point) {
  if (spill_failed_) {
    ++dropped_;
    return;
  }
  spill_out_ += SpillLine(point);
  ++spill_out_points_;
  ++spill_points_;
  ++spilled_;
  if (spill_out_.size() >= kSpillWriteChunk) FlushSpillLockHeld();
}

bool MetricBuffer::FlushSpillLockHeld() {
  if (spill_out_.empty()) return true;
  if (spill_fd_ < 0 && !spill_failed_) {
    std::string path = spill_dir_ + "/runledger-metrics-XXXXXX";
    spill_fd_ = mkostemp(path.data(), O_CLOEXEC);
    if (spill_fd_ >= 0) unlink(path.c_str());
  }
  bool ok = spill_fd_ >= 0;
  size_t done = 0;
  while (ok && done < spill_out_.size()) {
    const ssize_t n = pwrite(spill_fd_, spill_out_.data() + done, spill_out_.size() - done,
                             static_cast<off_t>(spill_written_ + done));
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  if (!ok) {
    // A partly written line would break the file: forget this chunk whole.
    std::fprintf(stderr,
                 "runledger-capture: cannot spill metric points to %s (%s); points beyond the "
                 "memory buffer are dropped\n",
                 spill_dir_.c_str(), std::strerror(errno));
    spill_failed_ = true;
    dropped_ += spill_out_points_;
    spill_points_ -= spill_out_points_;
  } else {
    spill_written_ += spill_out_.size();
  }
  spill_out_.clear();
  spill_out_points_ = 0;
  return ok;
}

void MetricBuffer::ReadSpillLockHeld(size_t max, std::vector<MetricPoint>& out) {
  if (!FlushSpillLockHeld()) return;
  std::string chunk(std::min<uint64_t>(max * kSpillLineMax, spill_written_ - spill_read_), '\0');
  size_t got = 0;
  while (got < chunk.size()) {
    const ssize_t n = pread(spill_fd_, chunk.data() + got, chunk.size() - got,
                            static_cast<off_t>(spill_read_ + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  std::string_view rest(chunk.data(), got);
  for (size_t taken = 0; taken < max; ++taken) {
    const size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) break;
    MetricPoint p;
    if (ParseSpillLine(rest.substr(0, nl), p)) {
      out.push_back(std::move(p));
    } else {
      ++dropped_;  // cannot happen unless the file was changed under us
    }
    --spill_points_;
    spill_read_ += nl + 1;
    rest.remove_prefix(nl + 1);
  }
  if (spill_read_ == spill_written_) {
    // All read back: start the file over, and memory takes new points again.
    if (ftruncate(spill_fd_, 0) == 0) spill_read_ = spill_written_ = 0;
  }
}

void MetricBuffer::WaitFor(size_t count, std::chrono::milliseconds timeout) {
  MutexLock lock(mu_);
  cv_.wait_for(mu_, timeout, [&]() NO_THREAD_SAFETY_ANALYSIS {
    return woken_ || memory_.size() + spill_points_ >= count;
  });
}

void MetricBuffer::Wake() {
  MutexLock lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

std::vector<MetricPoint> MetricBuffer::Take(size_t max) {
  MutexLock lock(mu_);
  std::vector<MetricPoint> out;
  while (out.size() < max && !memory_.empty()) {
    out.push_back(std::move(memory_.front()));
    memory_.pop_front();
  }
  if (out.size() < max && spill_points_ > 0) ReadSpillLockHeld(max - out.size(), out);
  return out;
}

size_t MetricBuffer::size() const {
  MutexLock lock(mu_);
  return memory_.size() + spill_points_;
}

uint64_t MetricBuffer::dropped() const {
  MutexLock lock(mu_);
  return dropped_;
}

uint64_t MetricBuffer::spilled() const {
  MutexLock lock(mu_);
  return spilled_;
}

}  // namespace runledger::capture
