#include "store/s3/s3_client.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "base/encoding.h"

namespace runledger::store::s3 {
namespace {

std::string StripQuotes(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
    etag = etag.substr(1, etag.size() - 2);
  return etag;
}

// Content-MD5, which DeleteObjects requires: base64 of the body's MD5.
std::string Md5Base64(std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(body.data(), body.size(), digest, &n, EVP_md5(), nullptr);
  return EncodeBase64(std::string_view(reinterpret_cast<const char*>(digest), n));
}

// The total size from "bytes 0-9/1234"; nullopt when absent or "*".
std::optional<uint64_t> TotalOfContentRange(std::string_view v) {
  const size_t slash = v.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  uint64_t total = 0;
  const std::string_view digits = v.substr(slash + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), total);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return total;
}

}  // namespace

Code S3ErrorCode(int status, std::string_view code) {
  if (code == "NoSuchKey" || code == "NoSuchUpload") return Code::kNotFound;
  if (code == "NoSuchBucket" || code == "PreconditionFailed") return Code::kFailedPrecondition;
  if (code == "AccessDenied" || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" ||
      code == "ExpiredToken" || code == "InvalidToken")
    return Code::kPermissionDenied;
  if (IsRetryable(status, code)) return Code::kUnavailable;
  if (status == 404) return Code::kNotFound;
  if (status == 412) return Code::kFailedPrecondition;
  if (status == 401 || status == 403) return Code::kPermissionDenied;
  if (status >= 400 && status < 500) return Code::kInvalidArgument;
  return Code::kInternal;  // Neither 2xx nor an error status: S3 does not send those.
}

bool IsRetryable(int status, std::string_view code) {
  if (code == "SlowDown" || code == "InternalError" || code == "RequestTimeout" ||
      code == "ServiceUnavailable" || code == "Throttling" || code == "RequestTimeTooSkewed")
    return true;
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

Result<SystemTime> ParseHttpDate(std::string_view text) {
  // "Wed, 12 Oct 2009 17:50:00 GMT" (RFC 9110 IMF-fixdate, the only form S3 sends).
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto bad = [&] { return InvalidArgument("not an HTTP date: \"" + std::string(text) + "\""); };
  if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT") return bad();
  auto number = [&](size_t at, size_t n, int& out) {
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + n, out);
    return ec == std::errc() && end == text.data() + at + n;
  };
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  const auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (!number(5, 2, day) || month == kMonths.end() || !number(12, 4, year) ||
      !number(17, 2, hour) || !number(20, 2, minute) || !number(23, 2, second) || hour > 23 ||
      minute > 59 || second > 60)
    return bad();
  const std::chrono::year_month_day ymd{
      std::chrono::year(year),
      std::chrono::month(static_cast<unsigned>(month - kMonths.begin() + 1)),
      std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return bad();
  return SystemTime(std::chrono::sys_days(ymd)) + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second);
}

S3Client::S3Client(std::unique_ptr<S3Http> http, S3ClientOptions options)
    : http_(std::move(http)), options_(std::move(options)), rng_(std::random_device{}()) {}

std::chrono::milliseconds S3Client::Backoff(int attempt) {
  // Full jitter: uniform in [0, min(max, first * 2^attempt)].
  const int64_t cap = std::min<int64_t>(options_.max_backoff.count(), options_.first_backoff.count()
                                                                          << std::min(attempt, 20));
  MutexLock lock(rng_mu_);
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, cap)(rng_));
}

Status S3Client::ErrorOf(const Call& call, const HttpAnswer& answer) const {
  S3Error error;
  if (auto parsed = ParseErrorDocument(answer.body); parsed.ok()) error = std::move(*parsed);
  std::string message = "S3 " + call.name + " s3://" + options_.bucket + "/" + call.key +
                        ": HTTP " + std::to_string(answer.status);
  if (!error.code.empty()) message += " " + error.code;
  if (!error.message.empty()) message += ": " + error.message;
  if (!error.request_id.empty()) message += " (request id " + error.request_id + ")";
  return Status(S3ErrorCode(answer.status, error.code), message);
}

Result<HttpAnswer> S3Client::SendOnce(const Call& call, const Credentials& credentials) {
  Request request;
  request.method = call.method;
  request.host = options_.address.host;
  request.path = options_.address.path_prefix + "/" + call.key;
  if (call.key.empty() && !options_.address.path_prefix.empty())
    request.path = options_.address.path_prefix;
  request.query = call.query;
  request.headers = call.headers;
  if (!call.body.empty()) request.payload_sha256 = Sha256Hex(call.body);
  HttpExchange exchange;
  exchange.method = call.method;
  exchange.target = UriEncode(request.path, /*keep_slash=*/true);
  if (!call.query.empty()) exchange.target += "?" + CanonicalQueryString(call.query);
  ASSIGN_OR_RETURN(exchange.headers, Sign(std::move(request), credentials, options_.region,
                                          options_.clock->SystemNow()));
  exchange.body = call.body;
  return http_->Send(exchange);
}

Result<HttpAnswer> S3Client::Send(
    const Call& call,
    const std::function<std::optional<S3Error>(const HttpAnswer&)>& embedded_error) {
  Status last;
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) options_.clock->SleepFor(Backoff(attempt));
    ASSIGN_OR_RETURN(Credentials credentials, options_.credentials());
    Result<HttpAnswer> answer = SendOnce(call, credentials);
    if (!answer.ok()) {
      const Code code = answer.status().code();
      if (code != Code::kUnavailable && code != Code::kDeadlineExceeded) return answer.status();
      last = Status(code, "S3 " + call.name + ": " + answer.status().message());
      continue;
    }
    const int status = answer->status;
    const bool ok =
        (status >= 200 && status < 300) ||
        std::find(call.also_ok.begin(), call.also_ok.end(), status) != call.also_ok.end();
    if (ok) {
      std::optional<S3Error> embedded =
          status == 200 && embedded_error ? embedded_error(*answer) : std::nullopt;
      if (!embedded) return answer;
      // The HTTP status says nothing here (200): the code alone decides.
      const bool retry = IsRetryable(0, embedded->code);
      last = Status(retry ? Code::kUnavailable : S3ErrorCode(400, embedded->code),
                    "S3 " + call.name + " s3://" + options_.bucket + "/" + call.key +
                        ": failed after HTTP 200: " + embedded->code + ": " + embedded->message);
      if (!retry) return last;
      continue;
    }
    last = ErrorOf(call, *answer);
    S3Error error;
    if (auto parsed = ParseErrorDocument(answer->body); parsed.ok()) error = *parsed;
    if (!IsRetryable(status, error.code)) return last;
  }
  return Status(last.code(),
                last.message() + " (after " + std::to_string(options_.max_attempts) + " tries)");
}

Result<std::string> S3Client::PutObject(const std::string& key, const std::string& body,
                                        std::vector<Header> headers) {
  ASSIGN_OR_RETURN(HttpAnswer a, Send({"PutObject", "PUT", key, {}, std::move(headers), body, {}}));
  return StripQuotes(a.HeaderValue("etag"));
}

Result<ObjectBytes> S3Client::GetObject(const std::string& key, uint64_t offset, uint64_t length,
                                        const std::string& if_match) {
  Call call{"GetObject", "GET", key, {}, {}, "", {}};
  if (offset > 0 || length > 0) {
    call.headers.push_back(
        {"range", "bytes=" + std::to_string(offset) + "-" +
                      (length > 0 ? std::to_string(offset + length - 1) : std::string())});
    // An empty object has no byte 0: S3 answers 416 to any range.
    if (offset == 0) call.also_ok.push_back(416);
  }
  if (!if_match.empty()) call.headers.push_back({"if-match", "\"" + if_match + "\""});
  ASSIGN_OR_RETURN(HttpAnswer a, Send(call));
  ObjectBytes out;
  out.etag = StripQuotes(a.HeaderValue("etag"));
  if (a.status == 416) return out;
  out.data = std::move(a.body);
  out.total_size = TotalOfContentRange(a.HeaderValue("content-range")).value_or(out.data.size());
  return out;
}

Result<ObjectHead> S3Client::HeadObject(const std::string& key) {
  ASSIGN_OR_RETURN(HttpAnswer a, Send({"HeadObject", "HEAD", key, {}, {}, "", {}}));
  ObjectHead head;
  const std::string length = a.HeaderValue("content-length");
  std::from_chars(length.data(), length.data() + length.size(), head.size);
  head.etag = StripQuotes(a.HeaderValue("etag"));
  if (auto t = ParseHttpDate(a.HeaderValue("last-modified")); t.ok()) head.last_modified = *t;
  head.storage_class = a.HeaderValue("x-amz-storage-class");
  if (head.storage_class.empty()) head.storage_class = "STANDARD";
  constexpr std::string_view kMeta = "x-amz-meta-";
  for (const Header& h : a.headers) {
    if (h.name.starts_with(kMeta)) head.metadata.push_back({h.name.substr(kMeta.size()), h.value});
  }
  return head;
}

Result<ListObjectsV2Result> S3Client::ListObjectsV2(const std::string& prefix,
                                                    const std::string& delimiter,
                                                    const std::string& continuation_token,
                                                    size_t max_keys) {
  // A bucket-level call: the key stays empty, the prefix is in the name.
  Call call{"ListObjectsV2 (prefix \"" + prefix + "\")",
            "GET",
            "",
            {{"list-type", "2"}, {"encoding-type", "url"}, {"max-keys", std::to_string(max_keys)}},
            {},
            "",
            {}};
  if (!prefix.empty()) call.query.push_back({"prefix", prefix});
  if (!delimiter.empty()) call.query.push_back({"delimiter", delimiter});
  if (!continuation_token.empty()) call.query.push_back({"continuation-token", continuation_token});
  ASSIGN_OR_RETURN(HttpAnswer a, Send(call));
  return ParseListObjectsV2(a.body);
}

Status S3Client::DeleteObject(const std::string& key) {
  return Send({"DeleteObject", "DELETE", key, {}, {}, "", {404}}).status();
}

Result<std::vector<DeleteObjectsError>> S3Client::DeleteObjects(std::span<const std::string> keys) {
  ASSIGN_OR_RETURN(std::string body, BuildDeleteObjectsBody(keys, /*quiet=*/true));
  Call call{"DeleteObjects", "POST", "", {{"delete", ""}}, {}, body, {}};
  call.headers.push_back({"content-md5", Md5Base64(call.body)});
  ASSIGN_OR_RETURN(HttpAnswer a, Send(call));
  ASSIGN_OR_RETURN(DeleteObjectsResult result, ParseDeleteObjects(a.body));
  std::vector<DeleteObjectsError> failed;
  for (auto& e : result.errors) {
    if (!CountsAsDeleted(e)) failed.push_back(std::move(e));
  }
  return failed;
}

Result<std::string> S3Client::CreateMultipartUpload(const std::string& key,
                                                    std::vector<Header> headers) {
  ASSIGN_OR_RETURN(
      HttpAnswer a,
      Send({"CreateMultipartUpload", "POST", key, {{"uploads", ""}}, std::move(headers), "", {}}));
  return ParseInitiateMultipartUpload(a.body);
}

Result<std::string> S3Client::UploadPart(const std::string& key, const std::string& upload_id,
                                         int part_number, const std::string& body) {
  ASSIGN_OR_RETURN(HttpAnswer a,
                   Send({"UploadPart",
                         "PUT",
                         key,
                         {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}},
                         {},
                         body,
                         {}}));
  return StripQuotes(a.HeaderValue("etag"));
}

namespace {
// The embedded-error reader for calls whose 200 answer may carry an <Error>.
template <typename T>
std::function<std::optional<S3Error>(const HttpAnswer&)> EmbeddedError(
    Result<OrS3Error<T>> (*parse)(std::string_view)) {
  return [parse](const HttpAnswer& a) -> std::optional<S3Error> {
    auto parsed = parse(a.body);
    if (!parsed.ok()) return S3Error{"InternalError", parsed.status().message(), "", ""};
    if (const auto* e = std::get_if<S3Error>(&*parsed)) return *e;
    return std::nullopt;
  };
}
}  // namespace

Result<std::string> S3Client::UploadPartCopy(const std::string& key, const std::string& upload_id,
                                             int part_number, const std::string& source_key,
                                             const std::string& source_etag, uint64_t offset,
                                             uint64_t length) {
  Call call{"UploadPartCopy",
            "PUT",
            key,
            {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}},
            {{"x-amz-copy-source", UriEncode("/" + options_.bucket + "/" + source_key, true)},
             {"x-amz-copy-source-range",
              "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)}},
            "",
            {}};
  if (!source_etag.empty())
    call.headers.push_back({"x-amz-copy-source-if-match", "\"" + source_etag + "\""});
  ASSIGN_OR_RETURN(HttpAnswer a, Send(call, EmbeddedError(&ParseUploadPartCopyAnswer)));
  ASSIGN_OR_RETURN(auto parsed, ParseUploadPartCopyAnswer(a.body));
  return std::get<CopyResult>(parsed).etag;
}

Result<std::string> S3Client::CompleteMultipartUpload(const std::string& key,
                                                      const std::string& upload_id,
                                                      std::span<const CompletedPart> parts) {
  ASSIGN_OR_RETURN(std::string body, BuildCompleteMultipartUploadBody(parts));
  ASSIGN_OR_RETURN(
      HttpAnswer a,
      Send({"CompleteMultipartUpload", "POST", key, {{"uploadId", upload_id}}, {}, body, {}},
           EmbeddedError(&ParseCompleteMultipartUploadAnswer)));
  ASSIGN_OR_RETURN(auto parsed, ParseCompleteMultipartUploadAnswer(a.body));
  return std::get<CompleteMultipartUploadResult>(parsed).etag;
}

Status S3Client::AbortMultipartUpload(const std::string& key, const std::string& upload_id) {
  return Send({"AbortMultipartUpload", "DELETE", key, {{"uploadId", upload_id}}, {}, "", {404}})
      .status();
}

Result<CopyResult> S3Client::CopyObject(const std::string& from, const std::string& to,
                                        std::vector<Header> headers) {
  headers.push_back({"x-amz-copy-source", UriEncode("/" + options_.bucket + "/" + from, true)});
  ASSIGN_OR_RETURN(HttpAnswer a, Send({"CopyObject", "PUT", to, {}, std::move(headers), "", {}},
                                      EmbeddedError(&ParseCopyObjectAnswer)));
  ASSIGN_OR_RETURN(auto parsed, ParseCopyObjectAnswer(a.body));
  return std::get<CopyResult>(parsed);
}

Status S3Client::PutObjectTagging(const std::string& key, std::span<const Tag> tags) {
  ASSIGN_OR_RETURN(std::string body, BuildTaggingBody(tags));
  Call call{"PutObjectTagging", "PUT", key, {{"tagging", ""}}, {}, body, {}};
  call.headers.push_back({"content-md5", Md5Base64(call.body)});
  return Send(call).status();
}

Result<std::vector<Tag>> S3Client::GetObjectTagging(const std::string& key) {
  ASSIGN_OR_RETURN(HttpAnswer a,
                   Send({"GetObjectTagging", "GET", key, {{"tagging", ""}}, {}, "", {}}));
  return ParseGetObjectTagging(a.body);
}

}  // namespace runledger::store::s3
