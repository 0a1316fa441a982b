// What runs/search and experiments/search share: the view over lifecycle
// stages, max_results limits and the page cut from the ordered results.
//
// Errors: InvalidArgument naming the parameter (MLflow's error code for it
// is INVALID_PARAMETER_VALUE; the HTTP layer maps it).
// Thread-safety: pure functions and plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runledger::tracking::search {

// MLflow's ViewType over lifecycle_stage.
enum class ViewType : uint8_t { kActiveOnly, kDeletedOnly, kAll };

// "ACTIVE_ONLY", "DELETED_ONLY" or "ALL" (case-insensitive, as the REST API
// spells them); an empty name is ACTIVE_ONLY, MLflow's default.
Result<ViewType> ParseViewType(std::string_view name);

// Whether a record at `lifecycle_stage` ("active"/"deleted") is in the view.
bool InView(ViewType view, std::string_view lifecycle_stage);

// MLflow's SEARCH_MAX_RESULTS_DEFAULT and SEARCH_MAX_RESULTS_THRESHOLD.
inline constexpr int64_t kDefaultMaxResults = 1000;
inline constexpr int64_t kMaxResultsThreshold = 50000;

struct PageRequest {
  ViewType view = ViewType::kActiveOnly;
  std::optional<int64_t> max_results;  // kDefaultMaxResults when absent.
  std::string_view page_token;         // Empty for the first page.
};

struct SearchPage {
  std::vector<size_t> rows;     // Indexes into the caller's rows, in order.
  std::string next_page_token;  // Empty when this is the last page.
};

// Which slice of the ordered results a request asks for.
struct PageWindow {
  size_t offset = 0;
  size_t limit = 0;
};

// InvalidArgument for max_results outside [1, kMaxResultsThreshold] or a bad
// page token.
Result<PageWindow> ResolvePageWindow(const PageRequest& request);

// How many of `total` ordered results the window's page reaches: the end of
// the page, so only that prefix needs sorting.
size_t PageEnd(PageWindow window, size_t total);

// The page of `ordered` (matching rows in order; only the first
// offset+limit need be sorted) and, when results remain after it, the token
// of the next page. Unlike MLflow's SQL store, which hands out a token after
// every full page, no token follows the last row, so a client never fetches
// an empty page.
SearchPage CutPage(const std::vector<size_t>& ordered, const std::vector<size_t>& row_of,
                   PageWindow window);

}  // namespace runledger::tracking::search
