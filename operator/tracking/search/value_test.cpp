#include "tracking/search/value_test.h"

#include <algorithm>

namespace runledger::tracking::search {

ValueTest ValueTest::Number(Comparator op, double value) {
  ValueTest t;
  t.op_ = op;
  t.number_ = value;
  return t;
}

Result<ValueTest> ValueTest::String(Comparator op, std::string value, size_t pos) {
  ValueTest t;
  t.op_ = op;
  if (op == Comparator::kLike || op == Comparator::kILike) {
    Result<LikePattern> like = LikePattern::Compile(value, op == Comparator::kILike);
    if (!like.ok()) return ErrorAt(pos, like.status().message());
    t.like_ = std::move(like).value();
  }
  t.text_ = std::move(value);
  return t;
}

ValueTest ValueTest::List(Comparator op, std::vector<std::string> values) {
  ValueTest t;
  t.op_ = op;
  t.list_ = std::move(values);
  return t;
}

bool ValueTest::Test(double lhs) const {
  switch (op_) {
    case Comparator::kEq: return lhs == number_;
    case Comparator::kNe: return lhs != number_;
    case Comparator::kLt: return lhs < number_;
    case Comparator::kLe: return lhs <= number_;
    case Comparator::kGt: return lhs > number_;
    case Comparator::kGe: return lhs >= number_;
    default: return false;  // Not reachable: compilation pairs numbers with these only.
  }
}

bool ValueTest::Test(std::string_view lhs) const {
  switch (op_) {
    case Comparator::kEq: return lhs == text_;
    case Comparator::kNe: return lhs != text_;
    case Comparator::kLike:
    case Comparator::kILike: return like_.Matches(lhs);
    case Comparator::kIn:
    case Comparator::kNotIn: {
      const bool found = std::find(list_.begin(), list_.end(), lhs) != list_.end();
      return found == (op_ == Comparator::kIn);
    }
    default: return false;  // Not reachable: compilation pairs strings with these only.
  }
}

}  // namespace runledger::tracking::search
