// SearchRuns: MLflow's runs/search over RunRecords: view type, filter,
// order_by and paging, returning indexes into the caller's rows.
//
// The caller picks the rows (e.g. the runs of the requested experiment_ids)
// and says where metrics come from (metric_lookup.h). Cost: one pass over
// the rows for the view and filter, one read of each order_by value per
// matching row, then a sort of the matching rows (partial when the page is
// near the front); nothing is allocated per row beyond the index and sort
// arrays.
//
// Errors: InvalidArgument for a bad filter, order_by, max_results or page
// token (RunQuery::Compile, ResolvePageWindow); MLflow's code for these is
// INVALID_PARAMETER_VALUE, which the HTTP layer maps.
// Lifetime: `rows` and `metrics` are only used during the call.
// Thread-safety: pure; concurrent searches over the same rows are fine.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "tracking/run_record.h"
#include "tracking/search/metric_lookup.h"
#include "tracking/search/paging.h"
#include "tracking/search/run_query.h"

namespace runledger::tracking::search {

struct RunSearchRequest {
  std::string_view filter;
  std::span<const std::string> order_by;
  PageRequest page;
};

// With a query compiled beforehand (e.g. to resolve query.metric_keys() to
// metric-store ids before building `metrics`).
Result<SearchPage> SearchRuns(const RunQuery& query, std::span<const RunRecord* const> rows,
                              const MetricLookup& metrics, const PageRequest& page);

// Compiles and searches in one call.
Result<SearchPage> SearchRuns(std::span<const RunRecord* const> rows, const MetricLookup& metrics,
                              const RunSearchRequest& request);

}  // namespace runledger::tracking::search
