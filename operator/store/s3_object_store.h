// S3ObjectStore: the s3:// backend of ObjectStore (s3://bucket/prefix).
//
// Every key of the store is <prefix><key> in the bucket. Transfers hold at
// most one part in memory, whatever the object's size:
//   - Put reads up to part_size bytes; a body that ends within it is one
//     PutObject, a longer one a multipart upload of part_size parts, aborted
//     on any failure so no parts are left behind. Each object carries its
//     SHA-256 as x-amz-meta-sha256 when it went up in one piece.
//   - Get reads part_size ranges one after another, each retried on its
//     own, pinned with If-Match to the ETag of the first, so a reader never
//     mixes two versions of an object (a replaced object fails the read).
//   - Copy is server-side (CopyObject; UploadPartCopy above 5 GiB).
// SetStorageClass rewrites an object in place into another storage class
// (CopyObject onto itself with the REPLACE metadata directive, re-sending
// its metadata, only if its ETag has not changed since the HEAD).
//
// Connection and credentials: S3StoreSettings (docs/object-storage.md).
// Errors: as ObjectStore's; the S3 client's mapping (s3/s3_client.h) for
// the rest (PermissionDenied, FailedPrecondition for a missing bucket).
// Thread-safety: every method may be called from many threads at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/object_store.h"
#include "store/s3/s3_client.h"

namespace runledger::store {

// Where S3 is and who we are there; one set for every s3:// URI the
// process opens.
struct S3StoreSettings {
  s3::S3Connection connection;
  // Credentials for each request; unset: AWS_ACCESS_KEY_ID,
  // AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the environment.
  std::function<Result<s3::Credentials>()> credentials;
  std::string ca_pem;                  // Certificates to trust instead of the system's.
  size_t part_size = size_t{8} << 20;  // At least 5 MiB (S3's minimum part).
  int max_attempts = 5;
};

// Settings as AWS's tools read them: AWS_ENDPOINT_URL_S3 or
// AWS_ENDPOINT_URL (endpoint; unset: AWS), AWS_REGION or AWS_DEFAULT_REGION
// (default us-east-1), credentials from the environment.
S3StoreSettings S3SettingsFromEnvironment();

// The credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
// AWS_SESSION_TOKEN); FailedPrecondition naming what is missing.
Result<s3::Credentials> CredentialsFromEnvironment();

class S3ObjectStore final : public ObjectStore {
 public:
  static Result<std::unique_ptr<S3ObjectStore>> Open(std::string_view uri,
                                                     const S3StoreSettings& settings);
  // Over a given transport (tests).
  static Result<std::unique_ptr<S3ObjectStore>> Open(std::string_view uri,
                                                     const S3StoreSettings& settings,
                                                     std::unique_ptr<s3::S3Http> http);

  Status Put(std::string_view key, Reader& body) override;
  Result<std::unique_ptr<Reader>> Get(std::string_view key,
                                      std::optional<ByteRange> range = {}) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListPage> List(const ListRequest& request) override;
  Status Delete(std::string_view key) override;
  // In batches of 1000 keys (DeleteObjects).
  Status DeleteMany(std::span<const std::string> keys) override;
  Status Copy(std::string_view from, std::string_view to) override;

  // Moves `key` to `storage_class` (e.g. "STANDARD_IA", "GLACIER_IR"); a key
  // already there is left alone. NotFound for a missing key,
  // FailedPrecondition if it changed while being moved.
  Status SetStorageClass(std::string_view key, const std::string& storage_class);
  Status PutTags(std::string_view key, std::span<const s3::Tag> tags);
  Result<std::vector<s3::Tag>> GetTags(std::string_view key);

  const std::string& bucket() const { return client_.bucket(); }
  const std::string& prefix() const { return prefix_; }

 private:
  S3ObjectStore(std::unique_ptr<s3::S3Http> http, s3::S3ClientOptions options, std::string prefix,
                size_t part_size)
      : client_(std::move(http), std::move(options)),
        prefix_(std::move(prefix)),
        part_size_(part_size) {}
  std::string KeyOf(std::string_view key) const { return prefix_ + std::string(key); }
  Status PutMultipart(const std::string& key, std::string first_part, Reader& body);
  // Server-side copy of `from` (of `head`) to `to` with `headers`.
  Status CopyWith(const std::string& from, const s3::ObjectHead& head, const std::string& to,
                  std::vector<s3::Header> headers);

  s3::S3Client client_;
  const std::string prefix_;
  const size_t part_size_;
};

}  // namespace runledger::store
