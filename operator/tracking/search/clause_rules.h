// The checks runs/search and experiments/search apply alike to a parsed
// clause: is its comparator allowed for what it names, and is its value of
// the right type. Messages name the position and the entity, e.g.
// "at character 14: comparator 'LIKE' is not valid for metric 'loss'; use one
// of =, !=, <, <=, >, >=".
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "base/status.h"
#include "tracking/search/filter_syntax.h"
#include "tracking/search/value_test.h"

namespace runledger::tracking::search {

// A set of comparators, one bit each.
class ComparatorSet {
 public:
  constexpr ComparatorSet() = default;
  constexpr ComparatorSet(std::initializer_list<Comparator> ops) {
    for (Comparator op : ops) bits_ |= Bit(op);
  }
  constexpr bool Has(Comparator op) const { return (bits_ & Bit(op)) != 0; }
  constexpr ComparatorSet operator|(ComparatorSet other) const {
    ComparatorSet s;
    s.bits_ = bits_ | other.bits_;
    return s;
  }
  // "=, !=, LIKE, ILIKE", in Comparator order.
  std::string ToString() const;

 private:
  static constexpr uint32_t Bit(Comparator op) { return uint32_t{1} << static_cast<unsigned>(op); }
  uint32_t bits_ = 0;
};

// MLflow's VALID_METRIC_COMPARATORS (also numeric attributes).
inline constexpr ComparatorSet kNumericComparators{Comparator::kEq, Comparator::kNe,
                                                   Comparator::kLt, Comparator::kLe,
                                                   Comparator::kGt, Comparator::kGe};
// VALID_PARAM_COMPARATORS / VALID_TAG_COMPARATORS.
inline constexpr ComparatorSet kStringComparators{Comparator::kEq, Comparator::kNe,
                                                  Comparator::kLike, Comparator::kILike};
inline constexpr ComparatorSet kListComparators{Comparator::kIn, Comparator::kNotIn};

// InvalidArgument at `op_pos` unless `allowed` has `op`; `what` is e.g.
// "metric 'loss'".
Status CheckComparator(ComparatorSet allowed, Comparator op, size_t op_pos, std::string_view what);

// The test for a scalar clause (not IN / NOT IN): a number when `numeric`,
// else a quoted string; InvalidArgument at the value's position otherwise.
Result<ValueTest> CompileScalar(const Clause& clause, bool numeric, std::string_view what);

}  // namespace runledger::tracking::search
