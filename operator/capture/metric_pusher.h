// MetricPusher: sends the points waiting in a MetricBuffer to the tracking
// API from a thread of its own, so a slow or absent API never stalls the
// trainer's output (docs/capture.md, "Push protocol").
//
// Flow: the thread waits until `max_batch` points wait or `linger` has
// passed, takes up to max_batch points, and POSTs them as one log-batch
// (LogBatchJson) with "Idempotency-Key: <id_prefix>-<n>", n counting
// batches, the same key on every retry of that batch (Deliver). Batches go
// one after another, so points arrive in the order they were read.
// Finish() stops the waiting and sends what is left, all of it, until a
// deadline.
//
// Errors: a refused batch (4xx other than 429) is dropped, with a line on
// stderr (the first few; later ones are only counted).
//
// Thread-safety: EnsureStarted and Finish from one thread (the main loop);
// the buffer is shared with whoever adds points. Lifetime: `client`,
// `buffer` and `clock` must outlive the pusher.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "capture/delivery.h"
#include "capture/http_client.h"
#include "capture/metric_buffer.h"

namespace runledger::capture {

// MLflow's log-batch body: {"run_id":...,"metrics":[{"key","value",
// "timestamp","step"}...]}, NaN and the infinities as the strings "NaN",
// "Infinity", "-Infinity" (what MLflow's own client sends: protobuf's JSON
// mapping).
std::string LogBatchJson(const std::string& run_id, const std::vector<MetricPoint>& points);

// The headers every tracking call carries: the bearer token, when there is one.
std::vector<std::pair<std::string, std::string>> AuthHeaders(const std::string& token);

class MetricPusher {
 public:
  struct Options {
    std::string path_prefix;  // before /api/2.0/..., e.g. "" or "/mlflow"
    std::string token;        // empty: no Authorization header
    std::string run_id;
    std::string id_prefix;    // unique per process: the Idempotency-Keys' start
    uint64_t seed = 0;        // for the backoff's jitter
    size_t max_batch = 1000;  // MLflow's limit per log-batch
    std::chrono::milliseconds linger{1000};
  };

  struct Report {
    uint64_t delivered = 0;
    uint64_t refused = 0;      // in batches the API refused
    uint64_t undelivered = 0;  // left at the deadline, or dropped by the buffer
  };

  MetricPusher(Options options, HttpClient& client, MetricBuffer& buffer, const Clock& clock);
  ~MetricPusher();  // Finish(now) if Finish was not called
  MetricPusher(const MetricPusher&) = delete;
  MetricPusher& operator=(const MetricPusher&) = delete;

  // Starts the thread unless it runs already. Called once there is a point
  // (so that a run without metrics has no thread).
  void EnsureStarted();

  // Sends every point left until `deadline`, then stops the thread.
  Report Finish(Clock::SteadyTime deadline) EXCLUDES(mu_);

 private:
  void Run();
  void Send(std::vector<MetricPoint> batch);
  std::optional<std::chrono::milliseconds> TimeLeft() const EXCLUDES(mu_);
  void WaitBeforeRetry(std::chrono::milliseconds d) EXCLUDES(mu_);

  const Options options_;
  HttpClient& client_;
  MetricBuffer& buffer_;
  const Clock& clock_;
  Backoff backoff_;
  uint64_t batches_ = 0;
  int refusals_printed_ = 0;
  bool gave_up_ = false;
  Report report_;  // written by the thread, read after it ended

  mutable Mutex mu_;
  std::condition_variable_any cv_;
  bool finishing_ GUARDED_BY(mu_) = false;
  Clock::SteadyTime deadline_ GUARDED_BY(mu_){};
  std::thread thread_;
  bool start_failed_ = false;
  bool finished_ = false;
};

}  // namespace runledger::capture
