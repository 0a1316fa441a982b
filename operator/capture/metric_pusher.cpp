#include "capture/metric_pusher.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <system_error>

namespace runledger::capture {

namespace {

using std::chrono::milliseconds;

constexpr int kRefusalsPrinted = 5;

void AppendDouble(double v, std::string& out) {
  if (std::isnan(v)) {
    out += "\"NaN\"";
  } else if (std::isinf(v)) {
    out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
    out.append(buf, end);
  }
}

}  // namespace

std::string LogBatchJson(const std::string& run_id, const std::vector<MetricPoint>& points) {
  std::string out =
      "{\"run_id\":" +
      nlohmann::json(run_id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
      ",\"metrics\":[";
  for (size_t i = 0; i < points.size(); ++i) {
    const MetricPoint& p = points[i];
    if (i > 0) out += ',';
    // Keys are valid MLflow keys (IsValidMetricKey): nothing to escape.
    out += "{\"key\":\"" + p.key + "\",\"value\":";
    AppendDouble(p.value, out);
    out += ",\"timestamp\":" + std::to_string(p.timestamp_ms) +
           ",\"step\":" + std::to_string(p.step) + "}";
  }
  out += "]}";
  return out;
}

std::vector<std::pair<std::string, std::string>> AuthHeaders(const std::string& token) {
  if (token.empty()) return {};
  return {{"Authorization", "Bearer " + token}};
}

MetricPusher::MetricPusher(Options options, HttpClient& client, MetricBuffer& buffer,
                           const Clock& clock)
    : options_(std::move(options)),
      client_(client),
      buffer_(buffer),
      clock_(clock),
      backoff_(options_.seed) {}

MetricPusher::~MetricPusher() {
  if (!finished_) Finish(clock_.SteadyNow());
}

void MetricPusher::EnsureStarted() {
  if (thread_.joinable() || finished_ || start_failed_) return;
  try {
    thread_ = std::thread([this] { Run(); });
  } catch (const std::system_error& e) {
    // No thread (pids or memory exhausted): the points stay in the buffer
    // and are counted as undelivered; the run itself goes on.
    start_failed_ = true;
    std::fprintf(stderr, "runledger-capture: no thread for sending metrics: %s\n", e.what());
  }
}

MetricPusher::Report MetricPusher::Finish(Clock::SteadyTime deadline) {
  if (!finished_) {
    if (buffer_.size() > 0) EnsureStarted();
    {
      MutexLock lock(mu_);
      finishing_ = true;
      deadline_ = deadline;
      cv_.notify_all();
    }
    buffer_.Wake();
    if (thread_.joinable()) thread_.join();
    finished_ = true;
    report_.undelivered += buffer_.size() + buffer_.dropped();
  }
  return report_;
}

void MetricPusher::Run() {
  while (!gave_up_) {
    const bool finishing = TimeLeft().has_value();
    if (!finishing) buffer_.WaitFor(options_.max_batch, options_.linger);
    std::vector<MetricPoint> batch = buffer_.Take(options_.max_batch);
    if (batch.empty()) {
      if (finishing) return;
      continue;
    }
    Send(std::move(batch));
  }
}

void MetricPusher::Send(std::vector<MetricPoint> batch) {
  HttpRequest request;
  request.method = "POST";
  request.target = options_.path_prefix + "/api/2.0/mlflow/runs/log-batch";
  request.content_type = "application/json";
  request.headers = AuthHeaders(options_.token);
  request.headers.emplace_back("Idempotency-Key",
                               options_.id_prefix + "-" + std::to_string(batches_++));
  request.body = LogBatchJson(options_.run_id, batch);
  const DeliveryOutcome outcome =
      Deliver(client_, request, backoff_,
              {[this] { return TimeLeft(); }, [this](milliseconds d) { WaitBeforeRetry(d); }});
  switch (outcome.kind) {
    case DeliveryOutcome::Kind::kDelivered: report_.delivered += batch.size(); break;
    case DeliveryOutcome::Kind::kRefused:
      report_.refused += batch.size();
      if (refusals_printed_ < kRefusalsPrinted) {
        ++refusals_printed_;
        std::fprintf(
            stderr,
            "runledger-capture: the tracking API refused %zu metric points (HTTP %d): "
            "%s%s\n",
            batch.size(), outcome.status, outcome.detail.c_str(),
            refusals_printed_ == kRefusalsPrinted ? " (further refusals are not printed)" : "");
      }
      break;
    case DeliveryOutcome::Kind::kGaveUp:
      report_.undelivered += batch.size();
      gave_up_ = true;
      break;
  }
}

std::optional<milliseconds> MetricPusher::TimeLeft() const {
  MutexLock lock(mu_);
  if (!finishing_) return std::nullopt;
  return std::chrono::duration_cast<milliseconds>(deadline_ - clock_.SteadyNow());
}

void MetricPusher::WaitBeforeRetry(milliseconds d) {
  MutexLock lock(mu_);
  const bool was_finishing = finishing_;
  // Finish() ends the wait: from then on the deadline bounds the retries.
  cv_.wait_for(mu_, d, [&]() NO_THREAD_SAFETY_ANALYSIS { return finishing_ != was_finishing; });
}

}  // namespace runledger::capture
