// SigV4 against AWS's published vectors. Each case asserts the canonical
// request, the string to sign and the signature separately, so a failure
// names the step that broke.
#include "store/s3/sigv4.h"

#include <gtest/gtest.h>

#include <chrono>

#include "base/encoding.h"

namespace runledger::store::s3 {
namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

struct Expected {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

// Runs the steps one by one on a request that already carries every header
// to sign, as the published examples list them.
void ExpectSteps(const Request& request, std::string_view secret, std::string_view amz_date,
                 std::string_view region, std::string_view service, const Expected& expected) {
  Result<CanonicalRequest> canonical = Canonicalize(request);
  ASSERT_TRUE(canonical.ok()) << canonical.status().ToString();
  EXPECT_EQ(canonical->text, expected.canonical_request);
  const std::string date(amz_date.substr(0, 8));
  const std::string string_to_sign =
      StringToSign(amz_date, CredentialScope(date, region, service), canonical->text);
  EXPECT_EQ(string_to_sign, expected.string_to_sign);
  EXPECT_EQ(Signature(SigningKey(secret, date, region, service), string_to_sign),
            expected.signature);
}

// --- The S3 API reference's header-based examples (sig-v4-header-based-auth):
// bucket examplebucket, us-east-1, Fri, 24 May 2013 00:00:00 GMT.

const Credentials kS3Credentials = {
    .access_key_id = "AKIAIOSFODNN7EXAMPLE",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};
constexpr std::string_view kS3Host = "examplebucket.s3.amazonaws.com";
constexpr std::string_view kS3AmzDate = "20130524T000000Z";
constexpr std::string_view kS3Credential =
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
const auto kS3Time = sys_days{std::chrono::May / 24 / 2013};

// `request` with the two headers Sign adds, written out as the examples do.
Request WithAmzHeaders(Request request) {
  request.headers.push_back({"x-amz-date", std::string(kS3AmzDate)});
  request.headers.push_back({"x-amz-content-sha256", request.payload_sha256});
  return request;
}

TEST(S3DocumentationTest, GetObjectWithRange) {
  const Request request = {.method = "GET",
                           .host = std::string(kS3Host),
                           .path = "/test.txt",
                           .headers = {{"Range", "bytes=0-9"}}};
  ExpectSteps(WithAmzHeaders(request), kS3Credentials.secret_access_key, kS3AmzDate, "us-east-1",
              "s3",
              {"GET\n"
               "/test.txt\n"
               "\n"
               "host:examplebucket.s3.amazonaws.com\n"
               "range:bytes=0-9\n"
               "x-amz-content-sha256:"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
               "x-amz-date:20130524T000000Z\n"
               "\n"
               "host;range;x-amz-content-sha256;x-amz-date\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
               "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"});

  // The page prints the Authorization value without a space after each
  // comma; S3 takes both, and the AWS SDKs send ", " as Sign does.
  Result<std::vector<Header>> headers = Sign(request, kS3Credentials, "us-east-1", kS3Time);
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  EXPECT_EQ(*headers,
            (std::vector<Header>{
                {"host", "examplebucket.s3.amazonaws.com"},
                {"range", "bytes=0-9"},
                {"x-amz-content-sha256",
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
                {"x-amz-date", "20130524T000000Z"},
                {"authorization",
                 std::string(kS3Credential) +
                     ", SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                     "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
            }));
}

TEST(S3DocumentationTest, PutObjectWithStorageClass) {
  const std::string body = "Welcome to Amazon S3.";
  const Request request = {
      .method = "PUT",
      .host = std::string(kS3Host),
      .path = "/test$file.text",
      .headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                  {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
      .payload_sha256 = Sha256Hex(body),
  };
  EXPECT_EQ(request.payload_sha256,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  ExpectSteps(WithAmzHeaders(request), kS3Credentials.secret_access_key, kS3AmzDate, "us-east-1",
              "s3",
              {"PUT\n"
               "/test%24file.text\n"
               "\n"
               "date:Fri, 24 May 2013 00:00:00 GMT\n"
               "host:examplebucket.s3.amazonaws.com\n"
               "x-amz-content-sha256:"
               "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
               "x-amz-date:20130524T000000Z\n"
               "x-amz-storage-class:REDUCED_REDUNDANCY\n"
               "\n"
               "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
               "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
               "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"});

  Result<std::vector<Header>> headers = Sign(request, kS3Credentials, "us-east-1", kS3Time);
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  EXPECT_EQ(headers->back().value,
            std::string(kS3Credential) +
                ", SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
                "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(S3DocumentationTest, GetBucketLifecycleSignsAnEmptyValuedParameter) {
  const Request request = {
      .method = "GET", .host = std::string(kS3Host), .path = "/", .query = {{"lifecycle", ""}}};
  ExpectSteps(WithAmzHeaders(request), kS3Credentials.secret_access_key, kS3AmzDate, "us-east-1",
              "s3",
              {"GET\n"
               "/\n"
               "lifecycle=\n"
               "host:examplebucket.s3.amazonaws.com\n"
               "x-amz-content-sha256:"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
               "x-amz-date:20130524T000000Z\n"
               "\n"
               "host;x-amz-content-sha256;x-amz-date\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca",
               "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"});

  Result<std::vector<Header>> headers = Sign(request, kS3Credentials, "us-east-1", kS3Time);
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  EXPECT_EQ(headers->back().value,
            std::string(kS3Credential) +
                ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(S3DocumentationTest, ListObjectsSortsTheQuery) {
  const Request request = {.method = "GET",
                           .host = std::string(kS3Host),
                           .path = "/",
                           .query = {{"prefix", "J"}, {"max-keys", "2"}}};
  ExpectSteps(WithAmzHeaders(request), kS3Credentials.secret_access_key, kS3AmzDate, "us-east-1",
              "s3",
              {"GET\n"
               "/\n"
               "max-keys=2&prefix=J\n"
               "host:examplebucket.s3.amazonaws.com\n"
               "x-amz-content-sha256:"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
               "x-amz-date:20130524T000000Z\n"
               "\n"
               "host;x-amz-content-sha256;x-amz-date\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7",
               "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"});

  Result<std::vector<Header>> headers = Sign(request, kS3Credentials, "us-east-1", kS3Time);
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  EXPECT_EQ(headers->back().value,
            std::string(kS3Credential) +
                ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

// --- The generic aws-sig-v4-test-suite (service "service", us-east-1,
// 20150830T123600Z). Only cases whose path holds nothing but unreserved
// characters and '/' are here: the suite's other path cases (get-slashes,
// get-slash-dot-slash, get-relative*, get-space, get-utf8) normalise the path
// or encode it twice, which S3 does not (see PathIsNeitherNormalisedNorEncodedTwice).

constexpr std::string_view kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSuiteAmzDate = "20150830T123600Z";
constexpr std::string_view kSuiteScope = "20150830/us-east-1/service/aws4_request";

Request SuiteRequest(std::string method, std::string path, std::vector<QueryParam> query = {},
                     std::vector<Header> headers = {}) {
  headers.push_back({"X-Amz-Date", std::string(kSuiteAmzDate)});
  return {.method = std::move(method),
          .host = "example.amazonaws.com",
          .path = std::move(path),
          .query = std::move(query),
          .headers = std::move(headers)};
}

void ExpectSuiteCase(const Request& request, const Expected& expected,
                     std::string_view authorization) {
  ExpectSteps(request, kSuiteSecret, kSuiteAmzDate, "us-east-1", "service", expected);
  Result<CanonicalRequest> canonical = Canonicalize(request);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(
      AuthorizationValue("AKIDEXAMPLE", kSuiteScope, canonical->signed_headers, expected.signature),
      authorization);
}

TEST(SigV4TestSuite, GetVanilla) {
  ExpectSuiteCase(SuiteRequest("GET", "/"),
                  {"GET\n/\n\n"
                   "host:example.amazonaws.com\n"
                   "x-amz-date:20150830T123600Z\n"
                   "\n"
                   "host;x-amz-date\n"
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                   "AWS4-HMAC-SHA256\n"
                   "20150830T123600Z\n"
                   "20150830/us-east-1/service/aws4_request\n"
                   "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
                   "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                  "aws4_request, SignedHeaders=host;x-amz-date, "
                  "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4TestSuite, GetVanillaQueryOrderKeyCase) {
  ExpectSuiteCase(SuiteRequest("GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}),
                  {"GET\n/\nParam1=value1&Param2=value2\n"
                   "host:example.amazonaws.com\n"
                   "x-amz-date:20150830T123600Z\n"
                   "\n"
                   "host;x-amz-date\n"
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                   "AWS4-HMAC-SHA256\n"
                   "20150830T123600Z\n"
                   "20150830/us-east-1/service/aws4_request\n"
                   "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
                   "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                  "aws4_request, SignedHeaders=host;x-amz-date, "
                  "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4TestSuite, GetVanillaQueryOrderValue) {
  ExpectSuiteCase(SuiteRequest("GET", "/", {{"Param1", "value2"}, {"Param1", "value1"}}),
                  {"GET\n/\nParam1=value1&Param1=value2\n"
                   "host:example.amazonaws.com\n"
                   "x-amz-date:20150830T123600Z\n"
                   "\n"
                   "host;x-amz-date\n"
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                   "AWS4-HMAC-SHA256\n"
                   "20150830T123600Z\n"
                   "20150830/us-east-1/service/aws4_request\n"
                   "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
                   "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                  "aws4_request, SignedHeaders=host;x-amz-date, "
                  "Signature=5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694");
}

TEST(SigV4TestSuite, GetVanillaUtf8QueryEncodesEachByte) {
  ExpectSuiteCase(SuiteRequest("GET", "/", {{"\xe1\x88\xb4", "bar"}}),
                  {"GET\n/\n%E1%88%B4=bar\n"
                   "host:example.amazonaws.com\n"
                   "x-amz-date:20150830T123600Z\n"
                   "\n"
                   "host;x-amz-date\n"
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                   "AWS4-HMAC-SHA256\n"
                   "20150830T123600Z\n"
                   "20150830/us-east-1/service/aws4_request\n"
                   "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
                   "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                  "aws4_request, SignedHeaders=host;x-amz-date, "
                  "Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");
}

TEST(SigV4TestSuite, GetUnreservedLeavesThemAsTheyAre) {
  ExpectSuiteCase(
      SuiteRequest("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
      {"GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\n"
       "host:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n"
       "\n"
       "host;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n"
       "20150830T123600Z\n"
       "20150830/us-east-1/service/aws4_request\n"
       "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date, "
      "Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");
}

TEST(SigV4TestSuite, GetHeaderValueTrim) {
  ExpectSuiteCase(
      SuiteRequest("GET", "/", {}, {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}),
      {"GET\n/\n\n"
       "host:example.amazonaws.com\n"
       "my-header1:value1\n"
       "my-header2:\"a b c\"\n"
       "x-amz-date:20150830T123600Z\n"
       "\n"
       "host;my-header1;my-header2;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n"
       "20150830T123600Z\n"
       "20150830/us-east-1/service/aws4_request\n"
       "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
      "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

TEST(SigV4TestSuite, PostXWwwFormUrlencodedSignsContentTypeAndBody) {
  Request request =
      SuiteRequest("POST", "/", {}, {{"Content-Type", "application/x-www-form-urlencoded"}});
  request.payload_sha256 = Sha256Hex("Param1=value1");
  ExpectSuiteCase(request,
                  {"POST\n/\n\n"
                   "content-type:application/x-www-form-urlencoded\n"
                   "host:example.amazonaws.com\n"
                   "x-amz-date:20150830T123600Z\n"
                   "\n"
                   "content-type;host;x-amz-date\n"
                   "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                   "AWS4-HMAC-SHA256\n"
                   "20150830T123600Z\n"
                   "20150830/us-east-1/service/aws4_request\n"
                   "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
                   "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                  "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
                  "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

constexpr std::string_view kSuiteSessionToken =
    "AQoDYXdzEPT//////////"
    "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx"
    "7"
    "mSEI/qkPpKPi/"
    "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6"
    "q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+"
    "scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4r"
    "vx3iSIlTJabIQwj2ICCR/oLxBA==";

TEST(SigV4TestSuite, PostStsHeaderBeforeSignsTheSessionToken) {
  ExpectSuiteCase(
      SuiteRequest("POST", "/", {}, {{"X-Amz-Security-Token", std::string(kSuiteSessionToken)}}),
      {"POST\n/\n\n"
       "host:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n"
       "x-amz-security-token:" +
           std::string(kSuiteSessionToken) +
           "\n"
           "\n"
           "host;x-amz-date;x-amz-security-token\n"
           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n"
       "20150830T123600Z\n"
       "20150830/us-east-1/service/aws4_request\n"
       "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date;x-amz-security-token, "
      "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

// The IAM guide's example of deriving a signing key.
TEST(SigningKeyTest, MatchesThePublishedDerivation) {
  EXPECT_EQ(HexEncode(SigningKey(kSuiteSecret, "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

// --- Session tokens. No AWS page signs an S3 request with one; the values
// below are botocore's (S3SigV4Auth, 1.43), an independent implementation,
// for the GET Object example plus the suite's token.

TEST(SignTest, SessionTokenIsSentAndSigned) {
  Credentials credentials = kS3Credentials;
  credentials.session_token = std::string(kSuiteSessionToken);
  const Request request = {.method = "GET",
                           .host = std::string(kS3Host),
                           .path = "/test.txt",
                           .headers = {{"Range", "bytes=0-9"}}};

  Request as_sent = WithAmzHeaders(request);
  as_sent.headers.push_back({"x-amz-security-token", std::string(kSuiteSessionToken)});
  ExpectSteps(as_sent, credentials.secret_access_key, kS3AmzDate, "us-east-1", "s3",
              {"GET\n"
               "/test.txt\n"
               "\n"
               "host:examplebucket.s3.amazonaws.com\n"
               "range:bytes=0-9\n"
               "x-amz-content-sha256:"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
               "x-amz-date:20130524T000000Z\n"
               "x-amz-security-token:" +
                   std::string(kSuiteSessionToken) +
                   "\n"
                   "\n"
                   "host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token\n"
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "68704e632dfea6511c21997d66f0c3c9c7b50919502e25ae03b97c4171c4db49",
               "83550a58e2be44fa0ba3b8668126104d584132f713849584acd2aa6cf6431fca"});

  Result<std::vector<Header>> headers = Sign(request, credentials, "us-east-1", kS3Time);
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  ASSERT_EQ(headers->size(), 6u);
  EXPECT_EQ((*headers)[4], (Header{"x-amz-security-token", std::string(kSuiteSessionToken)}));
  EXPECT_EQ((*headers)[5].value,
            std::string(kS3Credential) +
                ", SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token, "
                "Signature=83550a58e2be44fa0ba3b8668126104d584132f713849584acd2aa6cf6431fca");
}

TEST(SignTest, NoSessionTokenNoTokenHeader) {
  Result<std::vector<Header>> headers =
      Sign({.method = "GET", .host = std::string(kS3Host), .path = "/a"}, kS3Credentials,
           "us-east-1", kS3Time);
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  for (const Header& header : *headers) EXPECT_NE(header.name, "x-amz-security-token");
}

// --- Object keys and query values, encoded as S3 expects. Expected
// signatures are botocore's, as above.

TEST(UriEncodeTest, EncodesEveryByteButUnreservedOnes) {
  EXPECT_EQ(UriEncode("/my runs/a+b=c~d/100%/caf\xc3\xa9 \xe2\x82\xac.json", true),
            "/my%20runs/a%2Bb%3Dc~d/100%25/caf%C3%A9%20%E2%82%AC.json");
  EXPECT_EQ(UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a/b*c", false), "a%2Fb%2Ac");
  EXPECT_EQ(UriEncode(std::string("\x00\x7f\xff", 3), false), "%00%7F%FF");
}

TEST(UriEncodeTest, PercentInAKeyIsEncodedOnceNotDecoded) {
  EXPECT_EQ(UriEncode("/a%2Fb", true), "/a%252Fb");
}

TEST(SignTest, KeyWithSpacesPlusEqualsTildeAndUnicode) {
  const Request request = {
      .method = "PUT",
      .host = std::string(kS3Host),
      .path = "/my runs/a+b=c~d/100%/caf\xc3\xa9 \xe2\x82\xac.json",
      .payload_sha256 = Sha256Hex("Welcome to Amazon S3."),
  };
  ExpectSteps(WithAmzHeaders(request), kS3Credentials.secret_access_key, kS3AmzDate, "us-east-1",
              "s3",
              {"PUT\n"
               "/my%20runs/a%2Bb%3Dc~d/100%25/caf%C3%A9%20%E2%82%AC.json\n"
               "\n"
               "host:examplebucket.s3.amazonaws.com\n"
               "x-amz-content-sha256:"
               "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
               "x-amz-date:20130524T000000Z\n"
               "\n"
               "host;x-amz-content-sha256;x-amz-date\n"
               "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "c9d8e7e9dab193e68652954b1a70f8817bae2d8882ffa6de77acd79e7b2a10c4",
               "48dbce7490c69d51075336c105566650adf9d5f0a3c31dcd8ef3953d79ef9ef0"});
}

TEST(SignTest, ListObjectsV2QueryEncodesSlashPlusAndEquals) {
  const Request request = {.method = "GET",
                           .host = std::string(kS3Host),
                           .path = "/",
                           .query = {{"list-type", "2"},
                                     {"prefix", "runs/a b/"},
                                     {"delimiter", "/"},
                                     {"continuation-token", "1/2+3="}}};
  ExpectSteps(WithAmzHeaders(request), kS3Credentials.secret_access_key, kS3AmzDate, "us-east-1",
              "s3",
              {"GET\n"
               "/\n"
               "continuation-token=1%2F2%2B3%3D&delimiter=%2F&list-type=2&prefix=runs%2Fa%20b%2F\n"
               "host:examplebucket.s3.amazonaws.com\n"
               "x-amz-content-sha256:"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
               "x-amz-date:20130524T000000Z\n"
               "\n"
               "host;x-amz-content-sha256;x-amz-date\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "053efeb49262d0acc4d2e55d9efb2a0bfcb477ba2164a1bce2ac6a471091d341",
               "04bd1e1e432d86391cd1696d6f23a6e441c925a87684d7cff503e0b04a9ae59e"});
}

TEST(CanonicalizeTest, PathIsNeitherNormalisedNorEncodedTwice) {
  // The generic suite signs these as "/example/" and "/"; S3 signs the key.
  for (const std::string path : {"//example//", "/./", "/a/../b"}) {
    Result<CanonicalRequest> canonical = Canonicalize({.method = "GET", .host = "h", .path = path});
    ASSERT_TRUE(canonical.ok());
    EXPECT_EQ(canonical->text.substr(0, canonical->text.find('\n', 4)), "GET\n" + path);
  }
}

TEST(CanonicalQueryStringTest, SortsByEncodedNameThenValue) {
  // Raw, "a0" < "a="; encoded, "a%3D" < "a0".
  EXPECT_EQ(CanonicalQueryString({{"a0", "x"}, {"a=", "y"}, {"k", "b"}, {"k", "a"}}),
            "a%3D=y&a0=x&k=a&k=b");
  EXPECT_EQ(CanonicalQueryString({}), "");
}

TEST(SignTest, ReturnsHeadersAsSigned) {
  Result<std::vector<Header>> headers =
      Sign({.method = "PUT",
            .host = "minio.runledger:9000",
            .path = "/b/k",
            .headers = {{"Content-Type", "  application/json  "},
                        {"X-Amz-Meta-Note", "two   spaces\tand tab"}}},
           kS3Credentials, "us-east-1", kS3Time);
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  EXPECT_EQ((*headers)[0], (Header{"content-type", "application/json"}));
  EXPECT_EQ((*headers)[1], (Header{"host", "minio.runledger:9000"}));
  EXPECT_EQ((*headers)[4], (Header{"x-amz-meta-note", "two spaces and tab"}));
}

// --- Requests that cannot be signed as given.

Code SignError(Request request) {
  return Sign(std::move(request), kS3Credentials, "us-east-1", kS3Time).status().code();
}

TEST(SignTest, RejectsAHeaderValueWithANewline) {
  EXPECT_EQ(SignError({.method = "GET",
                       .host = "h",
                       .headers = {{"x-amz-meta-a", "1\r\nx-amz-acl: public-read"}}}),
            Code::kInvalidArgument);
}

TEST(SignTest, RejectsAHeaderGivenTwiceInAnyCase) {
  EXPECT_EQ(SignError({.method = "GET",
                       .host = "h",
                       .headers = {{"X-Amz-Meta-A", "1"}, {"x-amz-meta-a", "2"}}}),
            Code::kInvalidArgument);
}

TEST(SignTest, RejectsHeadersItAddsItself) {
  EXPECT_EQ(SignError({.method = "GET", .host = "h", .headers = {{"X-Amz-Date", "x"}}}),
            Code::kInvalidArgument);
  EXPECT_EQ(SignError({.method = "GET", .host = "h", .headers = {{"Host", "h"}}}),
            Code::kInvalidArgument);
}

TEST(SignTest, RejectsAPathWithoutLeadingSlash) {
  EXPECT_EQ(SignError({.method = "GET", .host = "h", .path = "test.txt"}), Code::kInvalidArgument);
}

TEST(SignTest, RejectsAPayloadHashThatIsNotLowercaseHex) {
  EXPECT_EQ(SignError({.method = "PUT", .host = "h", .payload_sha256 = "E3B0C442"}),
            Code::kInvalidArgument);
  EXPECT_EQ(SignError({.method = "PUT",
                       .host = "h",
                       .payload_sha256 = std::string(kEmptyPayloadSha256.size(), 'E')}),
            Code::kInvalidArgument);
}

TEST(SignTest, AcceptsUnsignedPayload) {
  Result<std::vector<Header>> headers =
      Sign({.method = "PUT", .host = "h", .payload_sha256 = std::string(kUnsignedPayload)},
           kS3Credentials, "us-east-1", kS3Time);
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  EXPECT_EQ((*headers)[1], (Header{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}));
}

TEST(SignTest, RejectsARegionOrKeyIdThatWouldSplitTheScope) {
  EXPECT_EQ(
      Sign({.method = "GET", .host = "h"}, kS3Credentials, "us/east", kS3Time).status().code(),
      Code::kInvalidArgument);
  Credentials no_key = kS3Credentials;
  no_key.access_key_id.clear();
  EXPECT_EQ(Sign({.method = "GET", .host = "h"}, no_key, "us-east-1", kS3Time).status().code(),
            Code::kInvalidArgument);
}

TEST(AmzDateTest, IsUtcToTheSecond) {
  EXPECT_EQ(AmzDate(sys_days{std::chrono::August / 30 / 2015} + 12h + 36min + 750ms),
            "20150830T123600Z");
  EXPECT_EQ(AmzDate(std::chrono::system_clock::time_point{}), "19700101T000000Z");
}

TEST(Sha256Test, StreamedEqualsWhole) {
  Sha256 sha;
  sha.Update("Welcome to ");
  sha.Update("");
  sha.Update("Amazon S3.");
  EXPECT_EQ(sha.FinishHex(), Sha256Hex("Welcome to Amazon S3."));
  // FinishHex starts over.
  EXPECT_EQ(sha.FinishHex(), kEmptyPayloadSha256);
  EXPECT_EQ(Sha256Hex(""), kEmptyPayloadSha256);
}

}  // namespace
}  // namespace runledger::store::s3
