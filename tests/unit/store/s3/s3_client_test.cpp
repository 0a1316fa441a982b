#include "store/s3/s3_client.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "fake_s3_http.h"

namespace runledger::store::s3 {
namespace {

class S3ClientTest : public ::testing::Test {
 protected:
  S3ClientTest() : shared_(std::make_shared<FakeS3Http::Shared>()) {
    S3ClientOptions o;
    o.bucket = "lake";
    o.address = *AddressBucket({"http://127.0.0.1:7070", "us-east-1", Addressing::kAuto}, "lake");
    o.credentials = [] { return Result<Credentials>(Credentials{"AKID", "SECRET", std::nullopt}); };
    o.clock = &clock_;
    client_ = std::make_unique<S3Client>(std::make_unique<FakeS3Http>(shared_), o);
  }
  void Handle(FakeS3Http::Handler h) { shared_->handler = std::move(h); }
  const std::vector<FakeS3Http::Sent>& sent() const { return shared_->sent; }

  FakeClock clock_;
  std::shared_ptr<FakeS3Http::Shared> shared_;
  std::unique_ptr<S3Client> client_;
};

TEST_F(S3ClientTest, RequestsAreSignedAndTheKeyEncodedOnce) {
  Handle([](const HttpExchange&) { return Answer(200, "", {{"etag", "\"abc\""}}); });
  auto etag = client_->PutObject("runs/a b+c.txt", "hello");
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_EQ(*etag, "abc") << "quotes stripped";
  ASSERT_EQ(sent().size(), 1u);
  const FakeS3Http::Sent& e = sent()[0];
  EXPECT_EQ(e.method, "PUT");
  EXPECT_EQ(e.target, "/lake/runs/a%20b%2Bc.txt");
  EXPECT_EQ(HeaderOf(e, "host"), "127.0.0.1:7070");
  EXPECT_EQ(HeaderOf(e, "x-amz-content-sha256"), Sha256Hex("hello"));
  EXPECT_TRUE(HeaderOf(e, "authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKID/"))
      << HeaderOf(e, "authorization");
  EXPECT_EQ(e.body, "hello");
}

TEST_F(S3ClientTest, ThrottlingIsRetriedWithTheSameBytes) {
  int calls = 0;
  Handle([&](const HttpExchange&) {
    return ++calls < 3 ? Answer(503, ErrorXml("SlowDown")) : Answer(200, "", {{"etag", "e"}});
  });
  const auto before = clock_.SteadyNow();
  ASSERT_TRUE(client_->PutObject("k", "body").ok());
  ASSERT_EQ(sent().size(), 3u);
  EXPECT_EQ(sent()[0].body, sent()[2].body);
  EXPECT_GE(clock_.SteadyNow(), before) << "backed off on the injected clock";
}

TEST_F(S3ClientTest, OtherClientErrorsAreNotRetried) {
  Handle(
      [](const HttpExchange&) { return Answer(403, ErrorXml("AccessDenied", "Access Denied")); });
  auto got = client_->GetObject("runs/x");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Code::kPermissionDenied);
  EXPECT_NE(got.status().message().find("GetObject s3://lake/runs/x: HTTP 403 AccessDenied: "
                                        "Access Denied (request id req-1)"),
            std::string::npos)
      << got.status().message();
  EXPECT_EQ(sent().size(), 1u);
}

TEST_F(S3ClientTest, ConnectionFailuresAreRetriedThenReported) {
  Handle([](const HttpExchange&) -> Result<HttpAnswer> { return Unavailable("refused"); });
  Status s = client_->DeleteObject("k");
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find("after 5 tries"), std::string::npos) << s.message();
  EXPECT_EQ(sent().size(), 5u);
}

TEST_F(S3ClientTest, DeletingAMissingKeySucceeds) {
  Handle([](const HttpExchange&) { return Answer(404, ErrorXml("NoSuchKey")); });
  EXPECT_TRUE(client_->DeleteObject("gone").ok());
}

TEST_F(S3ClientTest, MissingKeyIsNotFoundAndMissingBucketAPrecondition) {
  Handle([](const HttpExchange&) { return Answer(404, ErrorXml("NoSuchKey")); });
  EXPECT_EQ(client_->GetObject("k").status().code(), Code::kNotFound);
  Handle([](const HttpExchange&) { return Answer(404); });
  EXPECT_EQ(client_->HeadObject("k").status().code(), Code::kNotFound) << "HEAD has no body";
  Handle([](const HttpExchange&) { return Answer(404, ErrorXml("NoSuchBucket")); });
  EXPECT_EQ(client_->GetObject("k").status().code(), Code::kFailedPrecondition);
}

TEST_F(S3ClientTest, AnErrorInsideA200CopyIsAnError) {
  int calls = 0;
  Handle([&](const HttpExchange&) {
    ++calls;
    return calls == 1 ? Answer(200, "  \n" + ErrorXml("InternalError"))
                      : Answer(200,
                               "<CopyObjectResult><ETag>\"e2\"</ETag><LastModified>"
                               "2026-12-03T10:00:00.000Z</LastModified></CopyObjectResult>");
  });
  auto copied = client_->CopyObject("a", "b");
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->etag, "e2");
  EXPECT_EQ(calls, 2) << "InternalError inside a 200 is retried";
  EXPECT_EQ(HeaderOf(sent()[0], "x-amz-copy-source"), "/lake/a");

  Handle([](const HttpExchange&) { return Answer(200, ErrorXml("AccessDenied")); });
  auto denied = client_->CopyObject("a", "b");
  EXPECT_EQ(denied.status().code(), Code::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("failed after HTTP 200"), std::string::npos);
}

TEST_F(S3ClientTest, DeleteObjectsSendsContentMd5AndReportsOnlyRealFailures) {
  Handle([](const HttpExchange&) {
    return Answer(200,
                  "<DeleteResult><Error><Key>a</Key><Code>NoSuchKey</Code><Message>x</Message>"
                  "</Error><Error><Key>b</Key><Code>AccessDenied</Code><Message>no</Message>"
                  "</Error></DeleteResult>");
  });
  const std::vector<std::string> keys = {"a", "b", "c"};
  auto failed = client_->DeleteObjects(keys);
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].key, "b");
  const FakeS3Http::Sent& e = sent()[0];
  EXPECT_EQ(e.method, "POST");
  EXPECT_EQ(e.target, "/lake?delete=");
  EXPECT_EQ(HeaderOf(e, "content-md5").size(), 24u) << "base64 of 16 bytes";
  EXPECT_NE(e.body.find("<Quiet>true</Quiet>"), std::string::npos);
}

TEST_F(S3ClientTest, ListAsksForUrlEncodingAndPassesTheToken) {
  Handle([](const HttpExchange&) {
    return Answer(200,
                  "<ListBucketResult><Prefix>p%2F</Prefix><KeyCount>1</KeyCount><IsTruncated>"
                  "true</IsTruncated><NextContinuationToken>t2</NextContinuationToken>"
                  "<EncodingType>url</EncodingType><Contents><Key>p%2Fa+b</Key><Size>3</Size>"
                  "<LastModified>2026-12-03T10:00:00.000Z</LastModified></Contents>"
                  "</ListBucketResult>");
  });
  auto page = client_->ListObjectsV2("p/", "/", "t1", 1000);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->contents.size(), 1u);
  EXPECT_EQ(page->contents[0].key, "p/a b");
  EXPECT_EQ(page->next_continuation_token, "t2");
  EXPECT_EQ(sent()[0].target,
            "/lake?continuation-token=t1&delimiter=%2F&encoding-type=url&list-type=2&max-keys=1000"
            "&prefix=p%2F");
}

TEST_F(S3ClientTest, ARangeOfAnEmptyObjectIsEmpty) {
  Handle([](const HttpExchange&) { return Answer(416, ErrorXml("InvalidRange")); });
  auto got = client_->GetObject("empty", 0, 100);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->data, "");
  EXPECT_EQ(got->total_size, 0u);
  EXPECT_EQ(HeaderOf(sent()[0], "range"), "bytes=0-99");
  EXPECT_EQ(client_->GetObject("empty", 5, 100).status().code(), Code::kInvalidArgument)
      << "past the end of an object is the caller's error";
}

TEST_F(S3ClientTest, RangedGetReadsTheTotalSizeAndPinsTheEtag) {
  Handle([](const HttpExchange&) {
    return Answer(206, "0123", {{"content-range", "bytes 0-3/10"}, {"etag", "\"v1\""}});
  });
  auto got = client_->GetObject("k", 0, 4, "v1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->total_size, 10u);
  EXPECT_EQ(got->etag, "v1");
  EXPECT_EQ(HeaderOf(sent()[0], "if-match"), "\"v1\"");
}

TEST(S3ErrorCodeTest, Table) {
  EXPECT_EQ(S3ErrorCode(404, "NoSuchKey"), Code::kNotFound);
  EXPECT_EQ(S3ErrorCode(404, "NoSuchUpload"), Code::kNotFound);
  EXPECT_EQ(S3ErrorCode(404, "NoSuchBucket"), Code::kFailedPrecondition);
  EXPECT_EQ(S3ErrorCode(412, "PreconditionFailed"), Code::kFailedPrecondition);
  EXPECT_EQ(S3ErrorCode(403, "SignatureDoesNotMatch"), Code::kPermissionDenied);
  EXPECT_EQ(S3ErrorCode(400, "InvalidArgument"), Code::kInvalidArgument);
  EXPECT_EQ(S3ErrorCode(503, "SlowDown"), Code::kUnavailable);
  EXPECT_EQ(S3ErrorCode(400, "RequestTimeout"), Code::kUnavailable);
  EXPECT_TRUE(IsRetryable(500, ""));
  EXPECT_TRUE(IsRetryable(429, ""));
  EXPECT_FALSE(IsRetryable(400, "MalformedXML"));
  EXPECT_FALSE(IsRetryable(403, "AccessDenied"));
}

TEST(ParseHttpDateTest, ImfFixdate) {
  auto t = ParseHttpDate("Wed, 12 Oct 2009 17:50:00 GMT");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count(),
            1255369800);
  EXPECT_FALSE(ParseHttpDate("Wed, 31 Feb 2009 17:50:00 GMT").ok());
  EXPECT_FALSE(ParseHttpDate("2009-10-12T17:50:00Z").ok());
}

}  // namespace
}  // namespace runledger::store::s3
