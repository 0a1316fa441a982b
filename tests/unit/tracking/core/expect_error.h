// What the tracking core tests check of a refusal: an InvalidArgument and
// its message (MLflow's INVALID_PARAMETER_VALUE, whose text users read).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger::tracking {

// The message of an InvalidArgument status, or a test failure naming what
// came instead.
inline std::string ErrorOf(const Status& s) {
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
  return s.message();
}
template <typename T>
std::string ErrorOf(const Result<T>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : ErrorOf(r.status());
}

inline bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace runledger::tracking
