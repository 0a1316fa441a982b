#include "kube/retry.h"

#include <gtest/gtest.h>

#include "kube/api_error.h"
#include "kube/transport.h"

namespace runledger::kube {
namespace {

using std::chrono::seconds;

// The decoded error of an answer with this status and Retry-After header.
Status Answer(int http_status, const std::string& retry_after = "") {
  return DecodeApiError(http_status, "", retry_after, "GET /x");
}

Status Reset() {
  ErrorDetails d;
  d.reason = kConnectionReset;
  return Status(Code::kUnavailable, "reset", std::move(d));
}

const RetryPolicy kPolicy;

TEST(ClientRetryPolicyTest, TooManyRequestsWaitsItsRetryAfter) {
  EXPECT_EQ(RetryDelay(kPolicy, "GET", 0, Answer(429, "7")), seconds(7));
}

TEST(ClientRetryPolicyTest, TooManyRequestsRetriesEveryMethod) {
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_EQ(RetryDelay(kPolicy, method, 0, Answer(429, "1")), seconds(1)) << method;
  }
}

TEST(ClientRetryPolicyTest, TooManyRequestsWithoutRetryAfterIsNotRetried) {
  EXPECT_EQ(RetryDelay(kPolicy, "GET", 0, Answer(429)), std::nullopt);
}

TEST(ClientRetryPolicyTest, RetryAfterInTheStatusBodyCounts) {
  Status s = DecodeApiError(
      429,
      R"({"kind":"Status","code":429,"reason":"TooManyRequests","details":{"retryAfterSeconds":4}})",
      "", "GET /x");
  EXPECT_EQ(RetryDelay(kPolicy, "GET", 0, s), seconds(4));
}

TEST(ClientRetryPolicyTest, ServiceUnavailableWithRetryAfterIsRetried) {
  EXPECT_EQ(RetryDelay(kPolicy, "POST", 0, Answer(503, "2")), seconds(2));
}

TEST(ClientRetryPolicyTest, ServiceUnavailableWithoutRetryAfterIsNotRetried) {
  EXPECT_EQ(RetryDelay(kPolicy, "GET", 0, Answer(503)), std::nullopt);
}

TEST(ClientRetryPolicyTest, InternalErrorWithRetryAfterIsNotRetried) {
  EXPECT_EQ(RetryDelay(kPolicy, "GET", 0, Answer(500, "1")), std::nullopt);
}

TEST(ClientRetryPolicyTest, RetryAfterIsCappedAtMaxWait) {
  EXPECT_EQ(RetryDelay(kPolicy, "GET", 0, Answer(429, "3600")), kPolicy.max_wait);
}

TEST(ClientRetryPolicyTest, ConnectionResetRetriesAGetAfterResetWait) {
  EXPECT_EQ(RetryDelay(kPolicy, "GET", 0, Reset()), kPolicy.reset_wait);
}

TEST(ClientRetryPolicyTest, ConnectionResetDoesNotRetryWrites) {
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_EQ(RetryDelay(kPolicy, method, 0, Reset()), std::nullopt) << method;
  }
}

TEST(ClientRetryPolicyTest, OtherTransportErrorsAreNotRetried) {
  EXPECT_EQ(RetryDelay(kPolicy, "GET", 0, Unavailable("connection refused")), std::nullopt);
  EXPECT_EQ(RetryDelay(kPolicy, "GET", 0, DeadlineExceeded("no answer in time")), std::nullopt);
}

TEST(ClientRetryPolicyTest, NothingAfterMaxRetries) {
  EXPECT_EQ(RetryDelay(kPolicy, "GET", 9, Answer(429, "1")), seconds(1));
  EXPECT_EQ(RetryDelay(kPolicy, "GET", 10, Answer(429, "1")), std::nullopt);
}

}  // namespace
}  // namespace runledger::kube
