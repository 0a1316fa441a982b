// The S3 servers the e2e tests run (S3Server, e2e/s3), proved with real
// requests signed by curl: what a test may rely on from each of them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "e2e_env.h"
#include "s3_fixture.h"

namespace runledger::e2e {
namespace {

struct Answer {
  int http_status = 0;  // 0 when no answer came (e.g. connection refused).
  std::string body;
  std::string error;  // curl's complaint, if any.
};

// One request to `server`, signed with its access key and `secret`; `body`
// is sent as is (any bytes). `path` holds its query already encoded as
// SigV4 canonicalises it (curl signs it as given): "/" in a value is "%2F".
Answer SignedRequest(const S3Server& server, const std::string& secret, const std::string& method,
                     const std::string& path, const std::string& body,
                     const std::vector<std::string>& headers) {
  std::vector<std::string> argv = {
      "curl", "-sS", "-X", method, "--aws-sigv4", "aws:amz:us-east-1:s3", "--user",
      server.access_key() + ":" + secret,
      // Debian 12's curl signs the payload hash it is given; both servers
      // require the header.
      "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
      // The status goes to stderr so that stdout holds the body's bytes only.
      "-w", "%{stderr}\n%{http_code}"};
  for (const auto& h : headers) argv.insert(argv.end(), {"-H", h});
  // curl's default type for a body is a form, which moto would parse away.
  if (method == "PUT") {
    argv.insert(argv.end(),
                {"--data-binary", "@-", "-H", "Content-Type: application/octet-stream"});
  }
  argv.push_back(server.endpoint() + path);
  const CommandResult r = Run(argv, body);
  Answer a;
  a.body = r.out;
  const size_t last_line = r.err.rfind('\n');
  a.error = r.err.substr(0, last_line == std::string::npos ? 0 : last_line);
  a.http_status = std::stoi(r.err.substr(last_line == std::string::npos ? 0 : last_line + 1));
  return a;
}

// The same, signed with its secret key.
Answer Request(const S3Server& server, const std::string& method, const std::string& path,
               const std::string& body = "", const std::vector<std::string>& headers = {}) {
  return SignedRequest(server, server.secret_key(), method, path, body, headers);
}

// Every byte value, CR LF and NUL included: what comes back must be these.
std::string AllBytes() {
  std::string bytes;
  for (int i = 0; i < 2; ++i) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  }
  return bytes;
}

class S3ServerTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.status().ok()) << server_.status().ToString();
    ASSERT_TRUE(server_.MakeBucket("runledger-e2e").ok());
  }

  S3Server server_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Servers, S3ServerTest, ::testing::Values("versitygw", "moto"),
                         [](const auto& info) { return std::string(info.param); });

TEST_P(S3ServerTest, PutObjectIsListedAndReadBackByteIdentical) {
  const std::string data = AllBytes();
  const Answer put = Request(server_, "PUT", "/runledger-e2e/runs/r1/model.bin", data);
  ASSERT_EQ(put.http_status, 200) << put.error << put.body;

  const Answer list = Request(server_, "GET", "/runledger-e2e?list-type=2&prefix=runs%2F");
  ASSERT_EQ(list.http_status, 200) << list.error << list.body;
  EXPECT_NE(list.body.find("<Key>runs/r1/model.bin</Key>"), std::string::npos) << list.body;
  EXPECT_NE(list.body.find("<Size>" + std::to_string(data.size()) + "</Size>"), std::string::npos)
      << list.body;

  const Answer get = Request(server_, "GET", "/runledger-e2e/runs/r1/model.bin");
  ASSERT_EQ(get.http_status, 200) << get.error << get.body;
  EXPECT_EQ(get.body, data);
}

TEST_P(S3ServerTest, RequestSignedWithWrongSecretIsRefused) {
  const Answer put =
      SignedRequest(server_, server_.secret_key() + "x", "PUT", "/runledger-e2e/k", "v", {});
  EXPECT_EQ(put.http_status, 403) << put.body;
  EXPECT_NE(put.body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos) << put.body;
  // Nothing was written.
  EXPECT_EQ(Request(server_, "GET", "/runledger-e2e/k").http_status, 404);
}

TEST_P(S3ServerTest, StopRefusesConnectionsAndStartServesOnTheSamePort) {
  ASSERT_EQ(Request(server_, "PUT", "/runledger-e2e/kept", "before the stop").http_status, 200);
  const std::string endpoint = server_.endpoint();

  ASSERT_TRUE(server_.Stop().ok());
  EXPECT_EQ(Request(server_, "GET", "/runledger-e2e/kept").http_status, 0);

  const Status started = server_.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(server_.endpoint(), endpoint);
  const Answer get = Request(server_, "GET", "/runledger-e2e/kept");
  if (server_.kind() == "versitygw") {
    // Its objects are files: they outlive the process.
    ASSERT_EQ(get.http_status, 200) << get.error << get.body;
    EXPECT_EQ(get.body, "before the stop");
  } else {
    // moto holds everything in memory: the bucket is gone, the credentials
    // still work.
    EXPECT_EQ(get.http_status, 404) << get.body;
    EXPECT_NE(get.body.find("<Code>NoSuchBucket</Code>"), std::string::npos) << get.body;
    EXPECT_TRUE(server_.MakeBucket("runledger-e2e").ok());
  }
}

TEST_P(S3ServerTest, OnlyMotoKeepsTheStorageClassOfAPut) {
  ASSERT_EQ(
      Request(server_, "PUT", "/runledger-e2e/cold", "x", {"x-amz-storage-class: STANDARD_IA"})
          .http_status,
      200);
  const Answer list = Request(server_, "GET", "/runledger-e2e?list-type=2");
  ASSERT_EQ(list.http_status, 200) << list.body;
  const std::string expected = server_.kind() == "moto" ? "STANDARD_IA" : "STANDARD";
  EXPECT_NE(list.body.find("<StorageClass>" + expected + "</StorageClass>"), std::string::npos)
      << list.body;
}

// Two servers in one test are two servers: a bucket of one is not the other's.
TEST(S3ServerNames, TwoServersInOneTestAreDistinct) {
  S3Server first("versitygw");
  S3Server second("versitygw");
  ASSERT_TRUE(first.status().ok()) << first.status().ToString();
  ASSERT_TRUE(second.status().ok()) << second.status().ToString();
  EXPECT_NE(first.endpoint(), second.endpoint());
  EXPECT_NE(first.access_key(), second.access_key());
  ASSERT_TRUE(first.MakeBucket("only-in-first").ok());
  EXPECT_EQ(Request(second, "GET", "/only-in-first?list-type=2").http_status, 404);
}

}  // namespace
}  // namespace runledger::e2e
