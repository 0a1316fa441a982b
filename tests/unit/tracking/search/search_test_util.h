// Test helpers: runs built field by field and a per-row metric table.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tracking/run_record.h"
#include "tracking/search/metric_lookup.h"

namespace runledger::tracking::search::testing {

inline RunRecord MakeRun(std::string run_id, int64_t start_time_ms = 0) {
  RunRecord run;
  run.run_id = std::move(run_id);
  run.experiment_id = "0";
  run.start_time_ms = start_time_ms;
  return run;
}

// Latest metric values per row, looked up by key.
class MetricTable final : public MetricLookup {
 public:
  void Set(size_t row, const std::string& key, double value) {
    if (rows_.size() <= row) rows_.resize(row + 1);
    rows_[row][key] = value;
  }
  std::optional<double> Latest(size_t row, size_t, std::string_view key) const override {
    if (row >= rows_.size()) return std::nullopt;
    const auto it = rows_[row].find(key);
    if (it == rows_[row].end()) return std::nullopt;
    return it->second;
  }

 private:
  std::vector<std::map<std::string, double, std::less<>>> rows_;
};

// Pointers to each record, as the search takes them.
template <typename T>
std::vector<const T*> Pointers(const std::vector<T>& records) {
  std::vector<const T*> out;
  for (const T& r : records) out.push_back(&r);
  return out;
}

}  // namespace runledger::tracking::search::testing
