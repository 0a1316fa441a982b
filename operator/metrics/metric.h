// Counter, Gauge and Histogram: one labelled child of a metric family.
//
// These are the objects the hot path touches. Each update is one or a few
// relaxed atomic operations; nothing allocates or locks. Get a child once
// from its family (MetricFamily::WithLabels) and keep the reference: it
// stays valid for the life of the Registry.
//
// Thread-safety: every method may be called from any thread at once.
// A scrape reads the atomics while they change, so a histogram's buckets,
// sum and count may be a few observations apart from each other; its
// _count is derived from its buckets so the two always agree.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace runledger::metrics {

// A value that only goes up (requests served, seconds spent).
class Counter {
 public:
  void Inc() { Add(1.0); }
  // Negative or NaN increments are ignored: a counter never goes down.
  void Add(double delta) {
    if (delta > 0) value_.fetch_add(delta, std::memory_order_relaxed);
  }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A value that goes up and down (queue depth, active workers, 0/1 status).
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Inc() { Add(1.0); }
  void Dec() { Add(-1.0); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  void Sub(double delta) { Add(-delta); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Counts observations into buckets by upper bound (a value v falls in the
// first bucket whose bound is >= v; above all bounds it falls in +Inf).
class Histogram {
 public:
  // `bounds` must be strictly increasing and must outlive the histogram (the
  // family owns it). The +Inf bucket is implicit.
  explicit Histogram(const std::vector<double>& bounds);

  void Observe(double v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // One per bound, then +Inf.
    double sum = 0;
    uint64_t count = 0;  // Equals cumulative.back().
  };
  Snapshot Snap() const;

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1, not cumulative.
  std::atomic<double> sum_{0.0};
};

}  // namespace runledger::metrics
