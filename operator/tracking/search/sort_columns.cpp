#include "tracking/search/sort_columns.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace runledger::tracking::search {
namespace {

// <0, 0 or >0 as a's value sorts before, with or after b's, ignoring direction.
int CompareValues(SortColumn::Kind kind, const SortCell& a, const SortCell& b) {
  switch (kind) {
    case SortColumn::Kind::kNumber: return a.number < b.number ? -1 : (b.number < a.number ? 1 : 0);
    case SortColumn::Kind::kId:
      if (a.text.size() != b.text.size()) return a.text.size() < b.text.size() ? -1 : 1;
      return a.text.compare(b.text);
    case SortColumn::Kind::kText: return a.text.compare(b.text);
  }
  return 0;
}

}  // namespace

SortCell SortCell::Number(double v) {
  if (std::isnan(v)) return {kNaN, 0, {}};
  return {kValue, v, {}};
}

std::vector<size_t> SortedPositions(const std::vector<SortColumn>& columns, size_t n,
                                    size_t needed) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  auto less = [&columns](size_t a, size_t b) {
    for (const SortColumn& col : columns) {
      const SortCell& x = col.cells[a];
      const SortCell& y = col.cells[b];
      // The rank orders the same way in both directions: NaN and missing last.
      if (x.rank != y.rank) return x.rank < y.rank;
      if (x.rank != SortCell::kValue) continue;
      const int c = CompareValues(col.kind, x, y);
      if (c != 0) return col.ascending ? c < 0 : c > 0;
    }
    return a < b;
  };
  // A heap-based partial sort wins only when the page is a small part.
  if (needed < n / 4) {
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(needed),
                      order.end(), less);
  } else {
    std::sort(order.begin(), order.end(), less);
  }
  return order;
}

}  // namespace runledger::tracking::search
