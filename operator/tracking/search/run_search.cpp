#include "tracking/search/run_search.h"

#include <algorithm>

#include "tracking/search/sort_columns.h"

namespace runledger::tracking::search {

Result<SearchPage> SearchRuns(const RunQuery& query, std::span<const RunRecord* const> rows,
                              const MetricLookup& metrics, const PageRequest& page) {
  ASSIGN_OR_RETURN(const PageWindow window, ResolvePageWindow(page));
  std::vector<size_t> matching;
  for (size_t row = 0; row < rows.size(); ++row) {
    const RunRecord& run = *rows[row];
    if (InView(page.view, run.lifecycle_stage) && query.Matches(run, row, metrics)) {
      matching.push_back(row);
    }
  }
  const std::vector<SortColumn> columns = query.Columns(rows, matching, metrics);
  const std::vector<size_t> ordered =
      SortedPositions(columns, matching.size(), PageEnd(window, matching.size()));
  return CutPage(ordered, matching, window);
}

Result<SearchPage> SearchRuns(std::span<const RunRecord* const> rows, const MetricLookup& metrics,
                              const RunSearchRequest& request) {
  ASSIGN_OR_RETURN(const RunQuery query, RunQuery::Compile(request.filter, request.order_by));
  return SearchRuns(query, rows, metrics, request.page);
}

}  // namespace runledger::tracking::search
