// StatusSummarizer: puts a bounded summary of a run's metrics in its
// TrainingRun status, at a bounded rate, so that logging metrics never
// becomes a stream of etcd writes.
//
//   status.metrics.<key>: {last, min, max, count, step, timestamp}
//   status.primaryMetric: {name, value, step}   (the Experiment's metric)
//
// Bounds: at most max_keys keys (the Experiment's primary metric first,
// then the others in key order); at most one write per run every
// min_interval while it logs, plus one as soon as it finishes (Finished).
// 1,000 runs logging at 1 Hz thus cause at most 100 writes a second.
// Non-finite values are left out of a summary (the CRD's numbers are JSON
// numbers); the metric store keeps them.
//
// A failed write is retried at the next tick; the summary is recomputed
// from the store each time, so nothing is lost, only later.
//
// Thread-safety: Logged and Finished from any thread; Start/Stop from one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/mutex.h"
#include "store/metric_store.h"
#include "tracking/catalog.h"
#include "tracking/writer.h"

namespace runledger::tracking {

class StatusSummarizer {
 public:
  struct Options {
    std::chrono::milliseconds min_interval{std::chrono::seconds(10)};
    std::chrono::milliseconds tick{std::chrono::seconds(1)};
    size_t max_keys = 10;
  };
  StatusSummarizer(store::MetricStore& metrics, const Catalog& catalog, Writer& writer,
                   const Clock& clock, Options options);
  ~StatusSummarizer();  // Stop().

  // The run logged metrics: its summary is due within min_interval.
  void Logged(const std::string& run_id);
  // The run ended: its summary is due at the next tick.
  void Finished(const std::string& run_id);

  void Start();
  // Writes what is due now, then stops.
  void Stop();

  // The status patch for a run's summaries (pure; exposed for tests).
  static nlohmann::json SummaryPatch(const std::map<std::string, store::Summary>& summaries,
                                     const std::string& primary_metric, size_t max_keys);
  uint64_t writes() const;

 private:
  struct Due {
    Clock::SteadyTime last_write{};
    bool pending = false;
    bool finished = false;
  };
  void Loop(std::stop_token stop);
  void WriteDue(bool everything);
  Status Write(const std::string& run_id);

  store::MetricStore& metrics_;
  const Catalog& catalog_;
  Writer& writer_;
  const Clock& clock_;
  const Options options_;
  mutable Mutex mu_;
  std::map<std::string, Due> runs_ GUARDED_BY(mu_);
  uint64_t writes_ GUARDED_BY(mu_) = 0;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace runledger::tracking
