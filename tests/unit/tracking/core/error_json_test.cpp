#include "tracking/error_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace runledger::tracking {
namespace {

using nlohmann::json;

struct CodeCase {
  Code code;
  const char* error_code;
  int http_status;
};

// What the Python client sees for each Status code: MlflowException's
// error_code, and the HTTP status it branches on (it retries 429 and 5xx,
// so a user's mistake must be a 4xx).
TEST(MlflowErrorTest, EveryStatusCodeMapsToMlflowsCodeAndStatus) {
  const CodeCase cases[] = {
      {Code::kInvalidArgument, "INVALID_PARAMETER_VALUE", 400},
      {Code::kNotFound, "RESOURCE_DOES_NOT_EXIST", 404},
      {Code::kAlreadyExists, "RESOURCE_ALREADY_EXISTS", 400},
      {Code::kFailedPrecondition, "INVALID_STATE", 400},
      {Code::kConflict, "INVALID_STATE", 400},
      {Code::kPermissionDenied, "PERMISSION_DENIED", 403},
      {Code::kUnauthenticated, "UNAUTHENTICATED", 401},
      {Code::kResourceExhausted, "RESOURCE_EXHAUSTED", 429},
      {Code::kUnavailable, "TEMPORARILY_UNAVAILABLE", 503},
      {Code::kDeadlineExceeded, "TEMPORARILY_UNAVAILABLE", 503},
      {Code::kUnimplemented, "NOT_IMPLEMENTED", 501},
      {Code::kInternal, "INTERNAL_ERROR", 500},
      {Code::kCorruption, "INTERNAL_ERROR", 500},
      {Code::kIoError, "INTERNAL_ERROR", 500},
      {Code::kGone, "INTERNAL_ERROR", 500},
      {Code::kCancelled, "INTERNAL_ERROR", 500},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(CodeName(c.code)));
    EXPECT_EQ(MlflowErrorCode(c.code), c.error_code);
    const http::Response r = MlflowError(Status(c.code, "boom"));
    EXPECT_EQ(r.status, c.http_status);
    EXPECT_EQ(json::parse(r.body)["error_code"], c.error_code);
  }
}

TEST(MlflowErrorTest, HttpStatusOfCodesMlflowsServerAnswers) {
  EXPECT_EQ(MlflowHttpStatus("INVALID_PARAMETER_VALUE"), 400);
  EXPECT_EQ(MlflowHttpStatus("BAD_REQUEST"), 400);
  EXPECT_EQ(MlflowHttpStatus("RESOURCE_ALREADY_EXISTS"), 400);
  EXPECT_EQ(MlflowHttpStatus("RESOURCE_DOES_NOT_EXIST"), 404);
  EXPECT_EQ(MlflowHttpStatus("ENDPOINT_NOT_FOUND"), 404);
  EXPECT_EQ(MlflowHttpStatus("UNAUTHENTICATED"), 401);
  EXPECT_EQ(MlflowHttpStatus("PERMISSION_DENIED"), 403);
  EXPECT_EQ(MlflowHttpStatus("RESOURCE_EXHAUSTED"), 429);
  EXPECT_EQ(MlflowHttpStatus("REQUEST_LIMIT_EXCEEDED"), 429);
  EXPECT_EQ(MlflowHttpStatus("TEMPORARILY_UNAVAILABLE"), 503);
  EXPECT_EQ(MlflowHttpStatus("INTERNAL_ERROR"), 500);
  EXPECT_EQ(MlflowHttpStatus("NOT_IMPLEMENTED"), 501);
}

// MLflow's server answers INVALID_STATE with 500; here it means "the run is
// not in a state for this" (a user's mistake), and a 5xx would make the
// client retry it.
TEST(MlflowErrorTest, InvalidStateIsAClientError) {
  EXPECT_EQ(MlflowHttpStatus("INVALID_STATE"), 400);
}

TEST(MlflowErrorTest, UnlistedCodeIsBadRequest) {
  EXPECT_EQ(MlflowHttpStatus("SOMETHING_NEW"), 400);
  EXPECT_EQ(MlflowHttpStatus(""), 400);
}

TEST(MlflowErrorTest, BodyIsErrorCodeAndMessageOnly) {
  const http::Response r = MlflowError("RESOURCE_DOES_NOT_EXIST", "Run 'abc' not found.");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.content_type.find("application/json"), std::string::npos) << r.content_type;
  const json body = json::parse(r.body);
  EXPECT_EQ(body,
            (json{{"error_code", "RESOURCE_DOES_NOT_EXIST"}, {"message", "Run 'abc' not found."}}));
}

TEST(MlflowErrorTest, StatusMessageBecomesTheMessage) {
  const http::Response r = MlflowError(InvalidArgument("Invalid metric name: 'a//b'."));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["message"], "Invalid metric name: 'a//b'.");
}

TEST(MlflowErrorTest, QuotesAndControlCharactersAreEscaped) {
  const http::Response r = MlflowError("INVALID_PARAMETER_VALUE", "key \"a\"\n\tb\\");
  EXPECT_EQ(json::parse(r.body)["message"], "key \"a\"\n\tb\\");
}

// A message quoting a user's key may hold any bytes: the body must still be
// JSON the client can parse (invalid UTF-8 becomes U+FFFD).
TEST(MlflowErrorTest, InvalidUtf8InMessageStillGivesJson) {
  const http::Response r = MlflowError("INVALID_PARAMETER_VALUE", "bad key 'a\xff\xfe'");
  const json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(body.is_discarded()) << r.body;
  EXPECT_EQ(body["message"], "bad key 'a\xEF\xBF\xBD\xEF\xBF\xBD'");
}

}  // namespace
}  // namespace runledger::tracking
