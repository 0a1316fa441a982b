// MetricLookup: where a search reads the latest value of a run's metrics.
//
// Metrics are not in RunRecord: they live in the metric store. A compiled
// query lists the distinct metric keys it reads (RunQuery::metric_keys());
// a lookup is asked for (row, slot) where slot indexes that list, and is
// also given the key, so an implementation can either resolve the keys to
// its own ids once per search and index by slot, or look the key up in a
// per-run map.
//
// Thread-safety: Latest() is const and called from the searching thread only.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace runledger::tracking::search {

class MetricLookup {
 public:
  virtual ~MetricLookup() = default;
  // The latest value of metric `key` (= metric_keys()[slot]) for row `row`,
  // nullopt if that run never logged it. NaN is a value.
  virtual std::optional<double> Latest(size_t row, size_t slot, std::string_view key) const = 0;
};

// A lookup backed by a callable `F(size_t row, size_t slot, std::string_view key)
// -> std::optional<double>`, e.g. a lambda over the caller's tables.
// Lifetime: holds the callable by value.
template <typename F>
class MetricLookupFn final : public MetricLookup {
 public:
  explicit MetricLookupFn(F f) : f_(std::move(f)) {}
  std::optional<double> Latest(size_t row, size_t slot, std::string_view key) const override {
    return f_(row, slot, key);
  }

 private:
  F f_;
};

// For searches that read no metrics, or rows that have none.
class NoMetrics final : public MetricLookup {
 public:
  std::optional<double> Latest(size_t, size_t, std::string_view) const override {
    return std::nullopt;
  }
};

}  // namespace runledger::tracking::search
