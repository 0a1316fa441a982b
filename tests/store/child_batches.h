// The deterministic batches store_child appends, and a checker of what a
// reopened store holds, shared by the child and the tests.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/metric_store.h"

namespace runledger::store::testing {

constexpr int kChildKeys = 3;

inline int ChildBatchSize(uint64_t k) { return 1 + static_cast<int>(k * 7919 % 200); }

// Batch k: points j = 0..n-1 on key "k<j%3>", step k*1000+j, value k+j/1000.
inline Batch ChildBatch(uint64_t k) {
  Batch b{"crash-run", "batch-" + std::to_string(k), {}};
  for (int j = 0; j < ChildBatchSize(k); ++j) {
    b.points.push_back(Point{"k" + std::to_string(j % kChildKeys),
                             static_cast<double>(k) + j / 1000.0, static_cast<int64_t>(k),
                             static_cast<int64_t>(k * 1000 + j)});
  }
  return b;
}

// Reads every key's history and checks: each acked batch's points appear
// exactly once; any batch appears whole or not at all, never twice.
// Returns "" if all holds, else what went wrong. *present gets the batches seen.
inline std::string CheckChildData(MetricStore& store, const std::set<uint64_t>& acked,
                                  std::set<uint64_t>* present) {
  std::unordered_map<uint64_t, std::vector<uint8_t>> seen;  // batch -> count per point
  for (int key = 0; key < kChildKeys; ++key) {
    HistoryRequest req{
        .run_id = "crash-run", .key = "k" + std::to_string(key), .max_results = 100000};
    while (true) {
      auto page = store.History(req);
      if (!page.ok()) return "history: " + page.status().ToString();
      for (const Sample& s : page->samples) {
        uint64_t k = static_cast<uint64_t>(s.step) / 1000;
        int j = static_cast<int>(s.step % 1000);
        if (j % kChildKeys != key || j >= ChildBatchSize(k) ||
            s.timestamp_ms != static_cast<int64_t>(k) ||
            s.value != static_cast<double>(k) + j / 1000.0) {
          return "unexpected sample at step " + std::to_string(s.step);
        }
        auto& counts = seen[k];
        if (counts.empty()) counts.resize(static_cast<size_t>(ChildBatchSize(k)));
        ++counts[static_cast<size_t>(j)];
      }
      if (page->next_page_token.empty()) break;
      req.page_token = page->next_page_token;
    }
  }
  for (const auto& [k, counts] : seen) {
    present->insert(k);
    for (size_t j = 0; j < counts.size(); ++j) {
      if (counts[j] == 0)
        return "batch " + std::to_string(k) + " is partial: point " + std::to_string(j) +
               " missing";
      if (counts[j] > 1)
        return "batch " + std::to_string(k) + " point " + std::to_string(j) + " seen " +
               std::to_string(counts[j]) + " times";
    }
  }
  for (uint64_t k : acked) {
    if (seen.count(k) == 0) return "acknowledged batch " + std::to_string(k) + " is lost";
  }
  return "";
}

}  // namespace runledger::store::testing
