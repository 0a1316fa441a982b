// RunQuery: a runs/search filter and order_by list, checked against MLflow's
// rules and compiled once, then applied to many RunRecords.
//
// Entity types (MLflow's spellings): metric/metrics, parameter/parameters/
// param/params, tag/tags, attribute/attributes/attr/run, dataset/datasets; a
// bare key is an attribute. Attributes: run_id, run_name, status, user_id,
// artifact_uri (string) and start_time, end_time (numeric); aliases
// created/Created = start_time and, in filters only, "run name"/"Run name"/
// "Run Name" = run_name. Comparators:
//   metrics, numeric attributes      =  !=  <  <=  >  >=   (number value)
//   params, tags                     =  !=  LIKE  ILIKE    (quoted string)
//   string attributes                =  !=  LIKE  ILIKE, and for run_id only
//                                    IN / NOT IN ('a', 'b', ...)
//   datasets (name, digest, context) =  !=  LIKE  ILIKE  IN  NOT IN
// A run lacking the metric, param, tag or end_time does not match. RunRecord
// carries no dataset inputs, so a dataset clause matches no run (as in
// MLflow for runs without inputs).
//
// Order: the order_by terms, then start_time DESC unless ordered by it, then
// run_id ASC; in each term NaN and then missing values sort last in both
// directions (MLflow's SQL store). A field may appear only once.
//
// Errors: Compile returns InvalidArgument; filter messages begin "at
// character N: ", order_by ones "order_by[i] '<clause>': ".
// Thread-safety: immutable after Compile; Matches/Columns may run concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tracking/run_record.h"
#include "tracking/search/metric_lookup.h"
#include "tracking/search/sort_columns.h"
#include "tracking/search/value_test.h"

namespace runledger::tracking::search {

class RunQuery {
 public:
  static Result<RunQuery> Compile(std::string_view filter, std::span<const std::string> order_by);

  // Distinct metric keys the filter and order_by read; MetricLookup slots
  // index this list.
  const std::vector<std::string>& metric_keys() const { return metric_keys_; }

  // Whether `run` (the caller's row `row`, for `metrics`) passes every clause.
  bool Matches(const RunRecord& run, size_t row, const MetricLookup& metrics) const;

  // The sort columns for the candidate rows `rows[i]` (runs[rows[i]]), for
  // SortedPositions. Lifetime: views into `runs`' records.
  std::vector<SortColumn> Columns(std::span<const RunRecord* const> runs,
                                  const std::vector<size_t>& rows,
                                  const MetricLookup& metrics) const;

  // What a clause names; public for the .cpp's helpers.
  enum class Entity : uint8_t { kMetric, kParam, kTag, kAttribute, kDataset };
  enum class Field : uint8_t {
    kNone,  // Not an attribute.
    kRunId,
    kRunName,
    kStatus,
    kUserId,
    kArtifactUri,
    kStartTime,
    kEndTime,
  };

 private:
  struct Predicate {
    Entity entity;
    Field field;
    std::string key;  // Metric, param or tag key.
    size_t slot = 0;  // Metric slot.
    ValueTest test;
  };
  struct Term {
    Entity entity;
    Field field;
    std::string key;
    size_t slot = 0;
    bool ascending = true;
  };

  size_t SlotOf(const std::string& key);

  std::vector<Predicate> predicates_;
  std::vector<Term> terms_;  // Including the tie-breakers.
  std::vector<std::string> metric_keys_;
};

}  // namespace runledger::tracking::search
