// MetricBuffer: the queue between the output pump (which adds points as
// lines are read) and the pusher thread (which takes them in batches).
//
// Bounded memory: up to `memory_points` points wait in memory; beyond that
// they go to a spill file in `spill_dir` (created on first need, unlinked at
// once, so nothing is left behind). Once anything is in the file, new points
// go there too until it has been read back, so points always come out in
// the order they went in. Adding never waits for the consumer: at worst it
// appends to the spill file. A point that cannot be spilled (no file, disk
// full) is dropped and counted.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "base/mutex.h"

namespace runledger::capture {

struct MetricPoint {
  std::string key;
  double value = 0;
  int64_t timestamp_ms = 0;
  int64_t step = 0;
};

class MetricBuffer {
 public:
  MetricBuffer(size_t memory_points, std::string spill_dir);
  ~MetricBuffer();
  MetricBuffer(const MetricBuffer&) = delete;
  MetricBuffer& operator=(const MetricBuffer&) = delete;

  void Add(MetricPoint point) EXCLUDES(mu_);

  // Blocks until at least `count` points wait, Wake() is called, or
  // `timeout` passes.
  void WaitFor(size_t count, std::chrono::milliseconds timeout) EXCLUDES(mu_);
  // Ends the current and every later WaitFor at once.
  void Wake() EXCLUDES(mu_);

  // Removes and returns up to `max` of the oldest points.
  std::vector<MetricPoint> Take(size_t max) EXCLUDES(mu_);

  size_t size() const EXCLUDES(mu_);
  uint64_t dropped() const EXCLUDES(mu_);
  // Points that went through the spill file so far (for tests and notes).
  uint64_t spilled() const EXCLUDES(mu_);

 private:
  void SpillLockHeld(const MetricPoint& point) REQUIRES(mu_);
  bool FlushSpillLockHeld() REQUIRES(mu_);
  // Appends up to `max` points from the spill file to `out`.
  void ReadSpillLockHeld(size_t max, std::vector<MetricPoint>& out) REQUIRES(mu_);

  const size_t memory_points_;
  const std::string spill_dir_;
  mutable Mutex mu_;
  std::condition_variable_any cv_;
  bool woken_ GUARDED_BY(mu_) = false;
  std::deque<MetricPoint> memory_ GUARDED_BY(mu_);
  int spill_fd_ GUARDED_BY(mu_) = -1;
  bool spill_failed_ GUARDED_BY(mu_) = false;  // noted once; later points are dropped
  std::string spill_out_ GUARDED_BY(mu_);      // lines not yet written to the file
  size_t spill_out_points_ GUARDED_BY(mu_) = 0;
  uint64_t spill_written_ GUARDED_BY(mu_) = 0;  // bytes in the file
  uint64_t spill_read_ GUARDED_BY(mu_) = 0;     // bytes of it already taken
  size_t spill_points_ GUARDED_BY(mu_) = 0;     // points in the file or spill_out_
  uint64_t spilled_ GUARDED_BY(mu_) = 0;
  uint64_t dropped_ GUARDED_BY(mu_) = 0;
};

}  // namespace runledger::capture
