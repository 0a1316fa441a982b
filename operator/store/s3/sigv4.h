// AWS Signature Version 4 for S3 requests, signed in the Authorization header.
//
// Pure functions plus one SHA-256 accumulator: no network, no clock (the
// time is a parameter), no global state. The steps are public so a test, or
// a SignatureDoesNotMatch, can be checked one at a time:
//
//   Canonicalize(request)                      -> CanonicalRequest{text, ...}
//   StringToSign(amz_date, scope, text)        -> four lines
//   SigningKey(secret, date, region, service)  -> the HMAC chain's key
//   Signature(key, string_to_sign)             -> hex
//
// Sign() runs them all for service "s3" and returns the headers to send.
//
// What is signed (the header contract):
//   - Host, always, from Request::host.
//   - Every header in Request::headers, whatever its name: pass exactly the
//     headers S3 must see unchanged (x-amz-*, content-md5, content-type,
//     range, date, ...). Leave out the ones an HTTP client or proxy may
//     rewrite (user-agent, connection, expect, transfer-encoding); leave out
//     content-length unless the client is known to send that same value.
//   - Sign() adds x-amz-date, x-amz-content-sha256 and, with a session
//     token, x-amz-security-token; the caller must not pass those.
// Names are compared and signed lowercase. Values are signed trimmed, with
// each run of whitespace inside them collapsed to one space; Sign() returns
// them in that form so what is sent is exactly what was signed.
//
// S3, unlike the other services, signs the object key as it is: the path is
// percent-encoded once (UriEncode below) and neither normalised ("a/./b",
// "a//b" stay) nor encoded twice.
//
// Thread-safety: every function is pure and safe to call concurrently. A
// Sha256 object is not shared between threads.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace runledger::store::s3 {

// The payload hash for a body that is not hashed (allowed over TLS only).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// Hex SHA-256 of the empty body, e.g. of a GET.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  // Set for temporary credentials (STS, IRSA); sent as x-amz-security-token.
  std::optional<std::string> session_token;
};

struct Header {
  std::string name;
  std::string value;

  bool operator==(const Header&) const = default;
};

// One query parameter, raw (not percent-encoded). "?lifecycle" is
// {"lifecycle", ""}. Names may repeat.
using QueryParam = std::pair<std::string, std::string>;

// What is signed about one HTTP request.
struct Request {
  std::string method;  // "GET", "PUT", "HEAD", "DELETE", "POST".
  // The Host header as sent: "examplebucket.s3.amazonaws.com",
  // "minio.runledger:9000" (with the port when it is not the scheme's).
  std::string host;
  // The raw path, starting with '/': "/bucket/runs/a b.wal" for path-style
  // addressing, "/runs/a b.wal" for virtual-hosted. Not encoded.
  std::string path = "/";
  std::vector<QueryParam> query;  // Any order.
  std::vector<Header> headers;    // Any order and case; see the contract above.
  // Lowercase hex SHA-256 of the body (Sha256Hex, Sha256) or kUnsignedPayload.
  std::string payload_sha256 = std::string(kEmptyPayloadSha256);
};

// S3's UriEncode: every byte but A-Z a-z 0-9 - . _ ~ becomes %XX (uppercase
// hex); '/' is kept when `keep_slash` (object key paths) and encoded
// otherwise (query names and values). "a b+c" -> "a%20b%2Bc".
std::string UriEncode(std::string_view raw, bool keep_slash);

// The query as signed: names and values UriEncoded, sorted by encoded name
// then value, "name=value" joined by '&' (an empty value gives "name=").
// Also the query string to put in the URL, so the URL sent is the one signed.
std::string CanonicalQueryString(const std::vector<QueryParam>& query);

struct CanonicalRequest {
  // Host plus Request::headers: lowercase names, canonical values, sorted by
  // name. These are the headers to send.
  std::vector<Header> headers;
  std::string signed_headers;  // "host;range;x-amz-date"
  std::string text;            // The canonical request itself.
};

// The canonical request of `request`. InvalidArgument when the request
// cannot be signed as given: an empty or non-token method or header name, an
// empty host, a path not starting with '/', a header value holding a control
// character (CR, LF, ...), a header given twice (names compared without case;
// join the values yourself), Host among Request::headers, or a payload hash
// that is neither 64 lowercase hex digits nor kUnsignedPayload.
Result<CanonicalRequest> Canonicalize(const Request& request);

// "20130524T000000Z": the UTC time, whole seconds, for years 0000 to 9999.
std::string AmzDate(std::chrono::system_clock::time_point time);

// "20130524/us-east-1/s3/aws4_request". `date` is yyyymmdd, the first eight
// characters of the amz date.
std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex SHA-256 of canonical_request>".
std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request);

// The 32 raw bytes of HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region),
// service), "aws4_request"). `date` is yyyymmdd. It changes once a day per
// region, so a caller may keep it for the day.
std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service);

// Hex HMAC-SHA256 of `string_to_sign` under `signing_key`.
std::string Signature(std::string_view signing_key, std::string_view string_to_sign);

// The Authorization header's value: "AWS4-HMAC-SHA256 Credential=<key id>/
// <scope>, SignedHeaders=<signed>, Signature=<signature>".
std::string AuthorizationValue(std::string_view access_key_id, std::string_view credential_scope,
                               std::string_view signed_headers, std::string_view signature);

// Signs `request` for S3 in `region` at `now`: adds x-amz-date,
// x-amz-content-sha256 (= request.payload_sha256) and, with a session token,
// x-amz-security-token, and returns every header to send: host, the
// request's headers, those added (lowercase names, canonical values, sorted)
// and last "authorization". Errors: InvalidArgument as Canonicalize, which
// also rejects a request that already carries a header Sign adds, and for an
// access key id or region that is empty or holds a space, control
// character, '/' or ','.
Result<std::vector<Header>> Sign(Request request, const Credentials& credentials,
                                 std::string_view region,
                                 std::chrono::system_clock::time_point now);

// Lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// SHA-256 of a body fed in pieces, e.g. a file streamed into a PUT.
// Thread-safety: none; one object per body. A moved-from Sha256 may only be
// destroyed or assigned to.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void Update(std::string_view bytes);
  // Lowercase hex digest of everything given since construction or the last
  // FinishHex, which starts a new digest.
  std::string FinishHex();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace runledger::store::s3
