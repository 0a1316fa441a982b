// SortColumns: the values of each order_by term for each candidate row,
// taken once before sorting, so that comparing two rows is a few loads
// instead of map look-ups and virtual calls.
//
// Ordering follows MLflow's SQL store: within each term rows holding a value
// come first (ordered ASC or DESC), then rows whose metric is NaN, then rows
// lacking the key, whatever the direction. Ties fall to the next term and
// finally to the candidate's position, so the order is total and stable.
//
// Lifetime: text cells are views into the records; the records must outlive
// the columns. Thread-safety: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace runledger::tracking::search {

struct SortCell {
  enum Rank : uint8_t { kValue = 0, kNaN = 1, kMissing = 2 };
  Rank rank = kMissing;
  double number = 0;
  std::string_view text;

  static SortCell Number(double v);  // kNaN for a NaN.
  static SortCell Text(std::string_view v) { return {kValue, 0, v}; }
  static SortCell Missing() { return {}; }
};

struct SortColumn {
  enum class Kind : uint8_t {
    kNumber,
    kText,  // Bytewise.
    kId,    // Shorter first, then bytewise: numeric order for decimal ids.
  };
  Kind kind = Kind::kNumber;
  bool ascending = true;
  std::vector<SortCell> cells;  // One per candidate.
};

// The positions 0..n-1 (n = each column's size) in the columns' order. Only
// the first `needed` positions are guaranteed sorted (the rest follow in an
// unspecified order), which lets a page near the front skip a full sort.
std::vector<size_t> SortedPositions(const std::vector<SortColumn>& columns, size_t n,
                                    size_t needed);

}  // namespace runledger::tracking::search
