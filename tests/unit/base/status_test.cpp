#include "base/status.h"

#include <gtest/gtest.h>

namespace runledger {
namespace {

TEST(StatusTest, DefaultIsOkAndCarriesNothing) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorKeepsCodeMessageAndDetails) {
  Status s(Code::kInvalidArgument, "bad spec",
           ErrorDetails{422, "Invalid", {{"spec.x", "FieldValueRequired", "Required value"}}, {}});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "InvalidArgument: bad spec");
  ASSERT_EQ(s.details().causes.size(), 1u);
  EXPECT_EQ(s.details().causes[0].field, "spec.x");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status s = NotFound("no such run").WithContext("get run r1");
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "get run r1: no such run");
  EXPECT_TRUE(Status().WithContext("x").ok());
}

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ResultTest, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), Code::kInvalidArgument);
}

TEST(ResultTest, BuiltFromOkStatusIsAnInternalError) {
  Result<int> r{Status()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
}

TEST(StatusResultDeathTest, ValueOfAnErrorAbortsNamingTheError) {
  Result<int> r = NotFound("trainingruns \"r1\" not found");
  EXPECT_DEATH((void)r.value(),
               "Result::value\\(\\) on an error: NotFound: trainingruns \"r1\" not found");
}

TEST(StatusResultDeathTest, DereferenceOfAnErrorAbortsNamingTheError) {
  Result<std::string> r = Unavailable("connection refused");
  EXPECT_DEATH((void)r->size(), "on an error: Unavailable: connection refused");
}

TEST(StatusResultDeathTest, MovedValueOfAnErrorAbortsNamingTheError) {
  EXPECT_DEATH((void)Result<std::string>(Cancelled("stopped")).value(),
               "on an error: Cancelled: stopped");
}

}  // namespace
}  // namespace runledger
