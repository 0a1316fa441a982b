// The metric data model: points as clients log them, samples as stored,
// per-key summaries, and MLflow's rule for a key's latest value.
//
// Values are IEEE doubles, including NaN and ±Infinity, stored bit for bit.
// Thread-safety: plain values.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace runledger::store {

// One metric value as a client logs it (the run id is the batch's).
struct Point {
  std::string key;           // 1..250 bytes, e.g. "val_loss".
  double value = 0;          // Any double, including NaN and ±Infinity.
  int64_t timestamp_ms = 0;  // Client time, ms since the Unix epoch.
  int64_t step = 0;
  bool operator==(const Point& o) const {
    return key == o.key && std::bit_cast<uint64_t>(value) == std::bit_cast<uint64_t>(o.value) &&
           timestamp_ms == o.timestamp_ms && step == o.step;
  }
};

// What one Append writes, all or nothing.
struct Batch {
  std::string run_id;  // 1..256 bytes.
  // Optional, chosen by the client (e.g. a UUID per request). A batch whose
  // (run_id, idempotency_id) was appended before, within the window
  // (MetricStoreOptions), is acknowledged again without storing it twice.
  std::string idempotency_id;
  std::vector<Point> points;  // At most kMaxBatchPoints.
};
constexpr size_t kMaxBatchPoints = 100000;

// A point of a known run and key.
struct Sample {
  int64_t step = 0;
  int64_t timestamp_ms = 0;
  double value = 0;
  bool operator==(const Sample& o) const {
    return step == o.step && timestamp_ms == o.timestamp_ms &&
           std::bit_cast<uint64_t>(value) == std::bit_cast<uint64_t>(o.value);
  }
};

// The order of a key's history: step, then timestamp, then value bits (a
// total order, so every reader and every page agrees).
inline bool HistoryLess(const Sample& a, const Sample& b) {
  if (a.step != b.step) return a.step < b.step;
  if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms < b.timestamp_ms;
  return std::bit_cast<uint64_t>(a.value) < std::bit_cast<uint64_t>(b.value);
}

// MLflow's latest-value rule: the largest step, then the largest timestamp,
// then the largest value. NaN ranks below every number (so a number wins a
// tie with NaN); between NaNs the earlier one stays.
inline bool LatestBeats(const Sample& a, const Sample& b) {
  if (a.step != b.step) return a.step > b.step;
  if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms > b.timestamp_ms;
  if (std::isnan(a.value)) return false;
  if (std::isnan(b.value)) return true;
  return a.value > b.value;
}

// A bounded summary of one key (what TrainingRun status shows).
struct Summary {
  Sample last;                                            // The latest sample by LatestBeats.
  double min = std::numeric_limits<double>::quiet_NaN();  // NaN values are ignored;
  double max = std::numeric_limits<double>::quiet_NaN();  // NaN if all were NaN.
  uint64_t count = 0;
  int64_t first_step = 0;  // Smallest step.
  int64_t last_step = 0;   // Largest step.

  void Add(const Sample& s) {
    if (count == 0 || LatestBeats(s, last)) last = s;
    if (!std::isnan(s.value)) {
      if (std::isnan(min) || s.value < min) min = s.value;
      if (std::isnan(max) || s.value > max) max = s.value;
    }
    first_step = count == 0 ? s.step : std::min(first_step, s.step);
    last_step = count == 0 ? s.step : std::max(last_step, s.step);
    ++count;
  }
  void Merge(const Summary& o) {
    if (o.count == 0) return;
    if (count == 0) {
      *this = o;
      return;
    }
    if (LatestBeats(o.last, last)) last = o.last;
    if (!std::isnan(o.min) && (std::isnan(min) || o.min < min)) min = o.min;
    if (!std::isnan(o.max) && (std::isnan(max) || o.max > max)) max = o.max;
    first_step = std::min(first_step, o.first_step);
    last_step = std::max(last_step, o.last_step);
    count += o.count;
  }
};

}  // namespace runledger::store
