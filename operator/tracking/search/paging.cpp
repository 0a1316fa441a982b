#include "tracking/search/paging.h"

#include <algorithm>

#include "tracking/search/page_token.h"

namespace runledger::tracking::search {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

Result<ViewType> ParseViewType(std::string_view name) {
  const std::string upper = Upper(name);
  if (upper.empty() || upper == "ACTIVE_ONLY") return ViewType::kActiveOnly;
  if (upper == "DELETED_ONLY") return ViewType::kDeletedOnly;
  if (upper == "ALL") return ViewType::kAll;
  return InvalidArgument("invalid view type '" + std::string(name) +
                         "'; valid values are ACTIVE_ONLY, DELETED_ONLY and ALL");
}

bool InView(ViewType view, std::string_view lifecycle_stage) {
  switch (view) {
    case ViewType::kActiveOnly: return lifecycle_stage == "active";
    case ViewType::kDeletedOnly: return lifecycle_stage == "deleted";
    case ViewType::kAll: return true;
  }
  return false;
}

Result<PageWindow> ResolvePageWindow(const PageRequest& request) {
  const int64_t max = request.max_results.value_or(kDefaultMaxResults);
  if (max < 1 || max > kMaxResultsThreshold) {
    return InvalidArgument("invalid value " + std::to_string(max) +
                           " for parameter 'max_results': it must be a positive integer of at "
                           "most " +
                           std::to_string(kMaxResultsThreshold));
  }
  PageWindow window;
  ASSIGN_OR_RETURN(window.offset, DecodePageToken(request.page_token));
  window.limit = static_cast<size_t>(max);
  return window;
}

size_t PageEnd(PageWindow window, size_t total) {
  // limit is at most kMaxResultsThreshold, so the sum cannot overflow.
  return std::min(total, std::min(window.offset, total) + window.limit);
}

SearchPage CutPage(const std::vector<size_t>& ordered, const std::vector<size_t>& row_of,
                   PageWindow window) {
  SearchPage page;
  const size_t begin = std::min(window.offset, ordered.size());
  const size_t end = PageEnd(window, ordered.size());
  page.rows.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) page.rows.push_back(row_of[ordered[i]]);
  if (end < ordered.size()) page.next_page_token = EncodePageToken(end);
  return page;
}

}  // namespace runledger::tracking::search
