#include "tracking/latest_values.h"

namespace runledger::tracking {

void LatestValues::Add(const std::string& run_id, const std::vector<store::Point>& points) {
  AddsOf(run_id).fetch_add(1);
  MutexLock lock(mu_);
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  auto values = std::make_shared<Values>(*it->second);
  for (const auto& p : points) {
    const store::Sample s{p.step, p.timestamp_ms, p.value};
    auto [at, fresh] = values->emplace(p.key, s);
    if (!fresh && store::LatestBeats(s, at->second)) at->second = s;
  }
  it->second = std::move(values);
}

Result<LatestValues::ValuesPtr> LatestValues::Get(const std::string& run_id) {
  {
    MutexLock lock(mu_);
    if (auto it = runs_.find(run_id); it != runs_.end()) return it->second;
  }
  const uint64_t before = AddsOf(run_id).load();
  ASSIGN_OR_RETURN(auto latest, store_.Latest(run_id));
  auto values = std::make_shared<Values>();
  for (const auto& p : latest)
    values->emplace(p.key, store::Sample{p.step, p.timestamp_ms, p.value});
  MutexLock lock(mu_);
  if (AddsOf(run_id).load() == before) runs_.emplace(run_id, values);
  return ValuesPtr(std::move(values));
}

Result<std::vector<store::Point>> LatestValues::Points(const std::string& run_id) {
  ASSIGN_OR_RETURN(ValuesPtr values, Get(run_id));
  std::vector<store::Point> out;
  out.reserve(values->size());
  for (const auto& [key, s] : *values) out.push_back({key, s.value, s.timestamp_ms, s.step});
  return out;
}

void LatestValues::Forget(const std::string& run_id) {
  MutexLock lock(mu_);
  runs_.erase(run_id);
}

}  // namespace runledger::tracking
