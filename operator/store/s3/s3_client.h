// S3Client: the S3 calls runledger makes, on one bucket, signed (SigV4),
// retried, and with S3's answers turned into Status.
//
// Retries (jittered exponential backoff, at most max_attempts tries):
// connection failures and timeouts, 500/502/503/504 (503 SlowDown is
// throttling), 429, and 400 RequestTimeout; an error S3 embeds in a 200
// answer (CopyObject, UploadPartCopy, CompleteMultipartUpload) with an
// InternalError or SlowDown code. Nothing else: another 4xx will not change
// by asking again. Every call sends the same bytes on each try, so a retry
// of a write S3 did apply is harmless (PUT and DELETE are idempotent;
// CompleteMultipartUpload of a completed upload answers with its result or
// NoSuchUpload, which CompleteMultipartUpload reports as such).
//
// Errors (the message names the call, the key and S3's code and message):
//   NotFound            NoSuchKey, NoSuchUpload, or a 404 without a body
//   FailedPrecondition  NoSuchBucket, PreconditionFailed (If-Match), 412
//   PermissionDenied    AccessDenied, InvalidAccessKeyId,
//                       SignatureDoesNotMatch, 401/403
//   InvalidArgument     other 4xx (the request is wrong)
//   Unavailable         5xx, throttling, connection failures, once the
//                       tries are spent
// Keys are given relative to the bucket (the store's prefix already joined).
// Thread-safety: every method may be called from many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "store/s3/s3_http.h"
#include "store/s3/s3_location.h"
#include "store/s3/s3_xml.h"
#include "store/s3/sigv4.h"

namespace runledger::store::s3 {

struct S3ClientOptions {
  std::string bucket;
  BucketAddress address;
  std::string region = "us-east-1";
  // Called for every request, so rotated credentials are picked up.
  std::function<Result<Credentials>()> credentials;
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  const Clock* clock = &Clock::Real();
};

// What HEAD says about an object.
struct ObjectHead {
  uint64_t size = 0;
  std::string etag;  // Quotes removed.
  SystemTime last_modified;
  std::string storage_class;     // "STANDARD" when S3 sends none.
  std::vector<Header> metadata;  // x-amz-meta-* (names without the prefix).
};

// A ranged GET's answer.
struct ObjectBytes {
  std::string data;
  uint64_t total_size = 0;  // Of the whole object (Content-Range), or data.size().
  std::string etag;
};

class S3Client {
 public:
  S3Client(std::unique_ptr<S3Http> http, S3ClientOptions options);

  // PUT of a whole object; `headers` e.g. x-amz-meta-*, x-amz-storage-class.
  // Returns the ETag.
  Result<std::string> PutObject(const std::string& key, const std::string& body,
                                std::vector<Header> headers = {});
  // GET of bytes [offset, offset + length) (length 0: to the end).
  // `if_match`: the ETag the object must still have (412 otherwise).
  Result<ObjectBytes> GetObject(const std::string& key, uint64_t offset = 0, uint64_t length = 0,
                                const std::string& if_match = "");
  Result<ObjectHead> HeadObject(const std::string& key);
  // One page; always asks for encoding-type=url.
  Result<ListObjectsV2Result> ListObjectsV2(const std::string& prefix, const std::string& delimiter,
                                            const std::string& continuation_token, size_t max_keys);
  // A missing key succeeds (S3 answers 204).
  Status DeleteObject(const std::string& key);
  // At most kMaxDeleteObjectsKeys keys; quiet mode, so the answer lists
  // only the keys that were not deleted (NoSuchKey counting as deleted).
  Result<std::vector<DeleteObjectsError>> DeleteObjects(std::span<const std::string> keys);

  Result<std::string> CreateMultipartUpload(const std::string& key,
                                            std::vector<Header> headers = {});
  // Returns the part's ETag.
  Result<std::string> UploadPart(const std::string& key, const std::string& upload_id,
                                 int part_number, const std::string& body);
  // The copy of bytes [offset, offset + length) of `source_key` as a part.
  Result<std::string> UploadPartCopy(const std::string& key, const std::string& upload_id,
                                     int part_number, const std::string& source_key,
                                     const std::string& source_etag, uint64_t offset,
                                     uint64_t length);
  Result<std::string> CompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                              std::span<const CompletedPart> parts);
  // A missing upload succeeds.
  Status AbortMultipartUpload(const std::string& key, const std::string& upload_id);

  // Server-side copy of `from` to `to`. `headers` e.g. x-amz-storage-class,
  // x-amz-metadata-directive: REPLACE with the x-amz-meta-* to keep,
  // x-amz-copy-source-if-match. Objects above 5 GiB need UploadPartCopy.
  Result<CopyResult> CopyObject(const std::string& from, const std::string& to,
                                std::vector<Header> headers = {});

  Status PutObjectTagging(const std::string& key, std::span<const Tag> tags);
  Result<std::vector<Tag>> GetObjectTagging(const std::string& key);

  const std::string& bucket() const { return options_.bucket; }

 private:
  struct Call {
    std::string name;  // For messages: "PutObject".
    std::string method;
    std::string key;  // "" for bucket-level calls.
    std::vector<QueryParam> query;
    std::vector<Header> headers;
    std::string_view body;  // Not owned: the caller keeps it alive for the call.
    // Answers that count as success besides 2xx (e.g. 404 for a delete).
    std::vector<int> also_ok;
  };
  // Sends `call`, retrying as the header says; the answer is 2xx or in
  // also_ok, else the mapped error. `embedded_error` reads an error S3 put
  // in a 200 body (nullopt: none); a retryable one is retried.
  Result<HttpAnswer> Send(
      const Call& call,
      const std::function<std::optional<S3Error>(const HttpAnswer&)>& embedded_error = nullptr);
  Result<HttpAnswer> SendOnce(const Call& call, const Credentials& credentials);
  std::chrono::milliseconds Backoff(int attempt);
  Status ErrorOf(const Call& call, const HttpAnswer& answer) const;

  std::unique_ptr<S3Http> http_;
  const S3ClientOptions options_;
  Mutex rng_mu_;
  std::mt19937_64 rng_ GUARDED_BY(rng_mu_);
};

// The Status for S3 error `code` (S3's, e.g. "NoSuchKey") with HTTP
// `status` (see the header comment). Exposed for tests.
Code S3ErrorCode(int status, std::string_view code);
// Whether an answer with HTTP `status` and S3 error `code` is retried.
bool IsRetryable(int status, std::string_view code);
// An HTTP date as S3 sends Last-Modified: "Wed, 12 Oct 2009 17:50:00 GMT".
Result<SystemTime> ParseHttpDate(std::string_view text);

}  // namespace runledger::store::s3
