#include "kube/api_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace runledger::kube {
namespace {

std::string StatusJson(int code, const std::string& reason, const std::string& message,
                       const std::string& details = "{}") {
  return nlohmann::json{{"kind", "Status"},
                        {"apiVersion", "v1"},
                        {"status", "Failure"},
                        {"code", code},
                        {"reason", reason},
                        {"message", message},
                        {"details", nlohmann::json::parse(details)}}
      .dump();
}

// The code a Status object with this HTTP status and reason decodes to.
Code CodeOf(int http_status, const std::string& reason) {
  return DecodeApiError(http_status, StatusJson(http_status, reason, "m"), "", "").code();
}

TEST(ApiErrorTest, Http404StatusObjectIsNotFoundWithTheServersMessageAndReason) {
  Status s = DecodeApiError(404, StatusJson(404, "NotFound", "pods \"x\" not found"), "", "GET /x");
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "pods \"x\" not found");
  EXPECT_EQ(s.details().reason, "NotFound");
  EXPECT_EQ(s.details().http_status, 404);
}

TEST(ApiErrorTest, Http409WithReasonAlreadyExistsIsAlreadyExists) {
  EXPECT_EQ(CodeOf(409, "AlreadyExists"), Code::kAlreadyExists);
}

TEST(ApiErrorTest, Http409WithReasonConflictIsConflict) {
  EXPECT_EQ(CodeOf(409, "Conflict"), Code::kConflict);
}

TEST(ApiErrorTest, Http409WithoutAReasonIsConflict) {
  EXPECT_EQ(DecodeApiError(409, "", "", "PUT /x").code(), Code::kConflict);
}

TEST(ApiErrorTest, Http410WithReasonGoneIsGone) { EXPECT_EQ(CodeOf(410, "Gone"), Code::kGone); }

TEST(ApiErrorTest, ExpiredContinueTokenIsGone) { EXPECT_EQ(CodeOf(410, "Expired"), Code::kGone); }

TEST(ApiErrorTest, Http422InvalidIsInvalidArgumentWithTheFieldCauses) {
  Status s = DecodeApiError(
      422,
      StatusJson(
          422, "Invalid", "TrainingRun.runledger.dev \"r\" is invalid",
          R"({"name":"r","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"x\"","field":"spec.dataset.uri"}]})"),
      "", "");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  ASSERT_EQ(s.details().causes.size(), 1u);
  EXPECT_EQ(s.details().causes[0].field, "spec.dataset.uri");
  EXPECT_EQ(s.details().causes[0].reason, "FieldValueInvalid");
}

TEST(ApiErrorTest, ApplyConflictWithAnotherManagerIsAFailedPrecondition) {
  // Re-reading never resolves it, so it must not read as "retry".
  Status s = DecodeApiError(
      409,
      StatusJson(
          409, "Conflict", "Apply failed with 1 conflict",
          R"({"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"a\"","field":".spec.x"}]})"),
      "", "");
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
}

TEST(ApiErrorTest, StatusFieldsOfTheWrongTypeAreIgnoredNotThrown) {
  for (const char* body : {
           R"({"kind":"Status","code":"500","message":"m"})",
           R"({"kind":"Status","code":409,"reason":null,"message":7})",
           R"({"kind":"Status","code":422,"details":{"causes":["a","b"],"retryAfterSeconds":"x"}})",
           R"({"kind":"Status","details":[]})",
           R"({"kind":7})",
       }) {
    Status s = DecodeApiError(503, body, "", "GET /x");
    EXPECT_FALSE(s.ok()) << body;
  }
  EXPECT_EQ(DecodeApiError(503, R"({"kind":"Status","code":"500"})", "", "").code(),
            Code::kUnavailable);
}

TEST(ApiErrorTest, Http401UnauthorizedIsUnauthenticated) {
  EXPECT_EQ(CodeOf(401, "Unauthorized"), Code::kUnauthenticated);
}

TEST(ApiErrorTest, Http403ForbiddenIsPermissionDenied) {
  EXPECT_EQ(CodeOf(403, "Forbidden"), Code::kPermissionDenied);
}

TEST(ApiErrorTest, TooManyRequestsCarriesRetryAfterFromDetails) {
  Status s = DecodeApiError(
      429, StatusJson(429, "TooManyRequests", "slow down", R"({"retryAfterSeconds":7})"), "", "");
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  ASSERT_TRUE(s.details().retry_after.has_value());
  EXPECT_EQ(*s.details().retry_after, std::chrono::seconds(7));
}

TEST(ApiErrorTest, RetryAfterHeaderIsUsedWhenDetailsHaveNone) {
  Status s = DecodeApiError(429, "Too many requests, please try again later.\n", "3", "GET /x");
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  EXPECT_EQ(s.details().retry_after, std::chrono::seconds(3));
  EXPECT_EQ(s.message(), "HTTP 429 from GET /x: Too many requests, please try again later.");
}

TEST(ApiErrorTest, Http503WithoutABodyIsUnavailable) {
  EXPECT_EQ(DecodeApiError(503, "", "", "").code(), Code::kUnavailable);
}

TEST(ApiErrorTest, Http504WithoutABodyIsDeadlineExceeded) {
  EXPECT_EQ(DecodeApiError(504, "", "", "").code(), Code::kDeadlineExceeded);
}

TEST(ApiErrorTest, Http500WithReasonInternalErrorIsUnavailable) {
  // InternalError is mostly a webhook or etcd timing out: transient.
  EXPECT_EQ(CodeOf(500, "InternalError"), Code::kUnavailable);
}

TEST(ApiErrorTest, Http500WithoutABodyIsInternal) {
  EXPECT_EQ(DecodeApiError(500, "", "", "").code(), Code::kInternal);
}

TEST(ApiErrorTest, Http413RequestTooLargeIsInvalidArgument) {
  EXPECT_EQ(DecodeApiError(413, "", "", "").code(), Code::kInvalidArgument);
}

TEST(ApiErrorTest, NonJsonBodyIsQuotedInTheMessageUpTo300Bytes) {
  Status s = DecodeApiError(502, std::string(1000, 'x'), "", "GET /y");
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_LT(s.message().size(), 400u);
  EXPECT_EQ(s.message().rfind("HTTP 502 from GET /y: xxx", 0), 0u);
}

TEST(ApiErrorTest, WatchErrorEventWithCode410IsGoneWithItsMessage) {
  Status s = DecodeWatchError(
      R"j({"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410})j");
  EXPECT_EQ(s.code(), Code::kGone);
  EXPECT_EQ(s.message(), "too old resource version: 1 (5)");
}

TEST(ApiErrorTest, PlainTextBodyLosesItsTrailingNewlinesInTheMessage) {
  Status s = DecodeApiError(502, "Bad Gateway\r\n\n", "", "GET /y");
  EXPECT_EQ(s.message(), "HTTP 502 from GET /y: Bad Gateway");
}

TEST(ApiErrorTest, BodyNestedTooDeepIsDecodedByItsStatusAlone) {
  const std::string body = std::string(100000, '[') + std::string(100000, ']');
  Status s = DecodeApiError(503, body, "", "GET /x");
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_LT(s.message().size(), 400u);
}

TEST(ApiErrorTest, WatchErrorEventThatIsNotAnObjectIsInternal) {
  EXPECT_EQ(DecodeWatchError("[1]").code(), Code::kInternal);
}

}  // namespace
}  // namespace runledger::kube
