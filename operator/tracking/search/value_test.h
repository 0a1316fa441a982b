// ValueTest: the right-hand side of one comparison, compiled, applied to a
// left-hand value that exists (a run lacking the key never reaches it: in
// MLflow such a run does not match).
//
// Numbers compare as IEEE doubles (a NaN metric matches only !=); strings
// compare bytewise; LIKE/ILIKE use like_pattern.h; IN/NOT IN test membership.
// Test() does not allocate.
//
// Thread-safety: an immutable value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tracking/search/filter_syntax.h"
#include "tracking/search/like_pattern.h"

namespace runledger::tracking::search {

class ValueTest {
 public:
  // Precondition: op is one of =, !=, <, <=, >, >=.
  static ValueTest Number(Comparator op, double value);
  // Precondition: op is =, !=, LIKE or ILIKE. InvalidArgument (naming
  // `pos`) for a LIKE pattern that does not compile.
  static Result<ValueTest> String(Comparator op, std::string value, size_t pos);
  // Precondition: op is IN or NOT IN.
  static ValueTest List(Comparator op, std::vector<std::string> values);

  bool Test(double lhs) const;
  bool Test(std::string_view lhs) const;

 private:
  Comparator op_ = Comparator::kEq;
  double number_ = 0;
  std::string text_;
  LikePattern like_;
  std::vector<std::string> list_;
};

}  // namespace runledger::tracking::search
