#include "tracking/summarizer.h"

#include <cmath>
#include <vector>

namespace runledger::tracking {
namespace {

using nlohmann::json;

void PutFinite(json& out, const char* name, double v) {
  if (std::isfinite(v)) out[name] = v;
}

}  // namespace

StatusSummarizer::StatusSummarizer(store::MetricStore& metrics, const Catalog& catalog,
                                   Writer& writer, const Clock& clock, Options options)
    : metrics_(metrics), catalog_(catalog), writer_(writer), clock_(clock), options_(options) {}

StatusSummarizer::~StatusSummarizer() { Stop(); }

void StatusSummarizer::Logged(const std::string& run_id) {
  MutexLock lock(mu_);
  runs_[run_id].pending = true;
}

void StatusSummarizer::Finished(const std::string& run_id) {
  {
    MutexLock lock(mu_);
    Due& due = runs_[run_id];
    due.pending = true;
    due.finished = true;
  }
  wake_.notify_one();
}

void StatusSummarizer::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
}

void StatusSummarizer::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  wake_.notify_one();
  thread_.join();
  WriteDue(/*everything=*/true);
}

uint64_t StatusSummarizer::writes() const {
  MutexLock lock(mu_);
  return writes_;
}

json StatusSummarizer::SummaryPatch(const std::map<std::string, store::Summary>& summaries,
                                    const std::string& primary_metric, size_t max_keys) {
  std::vector<const std::string*> keys;
  if (summaries.count(primary_metric)) keys.push_back(&primary_metric);
  for (const auto& [key, s] : summaries) {
    if (keys.size() >= max_keys) break;
    if (key != primary_metric) keys.push_back(&key);
  }
  json metrics = json::object();
  for (const std::string* key : keys) {
    const store::Summary& s = summaries.at(*key);
    json m = {{"count", s.count}, {"step", s.last.step}, {"timestamp", s.last.timestamp_ms}};
    PutFinite(m, "last", s.last.value);
    PutFinite(m, "min", s.min);
    PutFinite(m, "max", s.max);
    metrics[*key] = std::move(m);
  }
  json patch = {{"metrics", std::move(metrics)}};
  if (const auto it = summaries.find(primary_metric); it != summaries.end()) {
    json primary = {{"name", primary_metric}, {"step", it->second.last.step}};
    PutFinite(primary, "value", it->second.last.value);
    patch["primaryMetric"] = std::move(primary);
  }
  return patch;
}

void StatusSummarizer::Loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      MutexLock lock(mu_);
      wake_.wait_for(mu_, stop, options_.tick, [] { return false; });
    }
    if (stop.stop_requested()) return;
    WriteDue(/*everything=*/false);
  }
}

void StatusSummarizer::WriteDue(bool everything) {
  const auto now = clock_.SteadyNow();
  std::vector<std::string> due;
  {
    MutexLock lock(mu_);
    for (auto& [run_id, d] : runs_) {
      if (!d.pending) continue;
      if (everything || d.finished || now - d.last_write >= options_.min_interval) {
        due.push_back(run_id);
      }
    }
  }
  for (const auto& run_id : due) {
    const Status s = Write(run_id);
    MutexLock lock(mu_);
    Due& d = runs_[run_id];
    d.last_write = now;
    if (s.ok()) {
      ++writes_;
      // A finished run logs no more: forget it, unless it logged again.
      d.pending = false;
      if (d.finished) runs_.erase(run_id);
    }
  }
}

Status StatusSummarizer::Write(const std::string& run_id) {
  RunPtr run = catalog_.Run(run_id);
  if (!run) return Status::Ok();  // Deleted: nothing to summarise.
  ASSIGN_OR_RETURN(auto summaries, metrics_.Summaries(run_id));
  if (summaries.empty()) return Status::Ok();
  std::string primary;
  if (ExperimentPtr e = catalog_.ExperimentByResource(run->ns, run->experiment_ref))
    primary = e->primary_metric;
  return writer_.PatchRunStatus(*run, SummaryPatch(summaries, primary, options_.max_keys));
}

}  // namespace runledger::tracking
