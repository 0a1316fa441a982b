// SQL LIKE / ILIKE patterns as MLflow's SQL store evaluates them.
//
// '%' matches any run of characters (also none), '_' exactly one character
// (one UTF-8 code point); a backslash makes the next character literal
// ("50\%" matches "50%"), as in PostgreSQL and MySQL, MLflow's production
// backends. ILIKE folds ASCII letters only. Matching a compiled pattern does
// not allocate.
//
// Errors: Compile returns InvalidArgument for a pattern ending in a lone
// backslash (PostgreSQL: "LIKE pattern must not end with escape character").
// Thread-safety: an immutable value after Compile.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runledger::tracking::search {

class LikePattern {
 public:
  LikePattern() = default;  // Matches only the empty text.
  static Result<LikePattern> Compile(std::string_view pattern, bool ignore_case);

  bool Matches(std::string_view text) const;

 private:
  // The pattern between two '%': literal bytes, with '_' marked in `any`.
  struct Segment {
    std::string bytes;      // '\0' where any[i] (the byte is unused there).
    std::vector<bool> any;  // any[i]: position i is '_'.
  };

  // If `seg` matches `text` starting at `at`, the end of the match; else npos.
  size_t MatchAt(const Segment& seg, std::string_view text, size_t at) const;

  std::vector<Segment> segments_;  // segments_.size() == number of '%' + 1.
  bool ignore_case_ = false;
};

}  // namespace runledger::tracking::search
