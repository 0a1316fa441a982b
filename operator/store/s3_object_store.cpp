#include "store/s3_object_store.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace runledger::store {
namespace {

using s3::Header;

constexpr size_t kMinPartSize = size_t{5} << 20;
// The largest object one CopyObject may copy.
constexpr uint64_t kMaxSingleCopy = uint64_t{5} << 30;
constexpr std::string_view kShaMeta = "sha256";

// Reads until `buf` holds `n` bytes or the body ends.
Status ReadUpTo(Reader& body, std::string& buf, size_t n) {
  buf.resize(n);
  size_t have = 0;
  while (have < n) {
    ASSIGN_OR_RETURN(size_t got, body.Read(buf.data() + have, n - have));
    if (got == 0) break;
    have += got;
  }
  buf.resize(have);
  return Status();
}

// Reads an object range by range (see the header), each range one GET.
class RangeReader final : public Reader {
 public:
  RangeReader(s3::S3Client& client, std::string key, uint64_t offset, std::optional<uint64_t> end,
              size_t chunk, s3::ObjectBytes first)
      : client_(client),
        key_(std::move(key)),
        next_(offset + first.data.size()),
        end_(end.value_or(first.total_size)),
        chunk_(chunk),
        etag_(std::move(first.etag)),
        buf_(std::move(first.data)) {
    end_ = std::min(end_, first.total_size);
  }

  Result<size_t> Read(char* out, size_t n) override {
    if (at_ == buf_.size()) {
      if (next_ >= end_) return size_t{0};
      const uint64_t length = std::min<uint64_t>(chunk_, end_ - next_);
      ASSIGN_OR_RETURN(s3::ObjectBytes got, client_.GetObject(key_, next_, length, etag_));
      if (got.data.empty()) {
        return Status(Code::kUnavailable,
                      "S3 GetObject " + key_ + ": no bytes at offset " + std::to_string(next_));
      }
      next_ += got.data.size();
      buf_ = std::move(got.data);
      at_ = 0;
    }
    const size_t k = std::min(n, buf_.size() - at_);
    std::memcpy(out, buf_.data() + at_, k);
    at_ += k;
    return k;
  }

 private:
  s3::S3Client& client_;
  const std::string key_;
  uint64_t next_;  // Offset of the next byte to fetch.
  uint64_t end_;   // One past the last byte to read.
  const size_t chunk_;
  const std::string etag_;
  std::string buf_;
  size_t at_ = 0;
};

}  // namespace

Result<s3::Credentials> CredentialsFromEnvironment() {
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (id == nullptr || *id == '\0' || secret == nullptr || *secret == '\0') {
    return FailedPrecondition(
        "S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (e.g. from a Secret "
        "with env valueFrom), or name a Secret with --s3-credentials-secret");
  }
  s3::Credentials c{id, secret, std::nullopt};
  if (const char* token = std::getenv("AWS_SESSION_TOKEN"); token != nullptr && *token != '\0')
    c.session_token = token;
  return c;
}

S3StoreSettings S3SettingsFromEnvironment() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  S3StoreSettings s;
  s.connection.endpoint = env("AWS_ENDPOINT_URL_S3");
  if (s.connection.endpoint.empty()) s.connection.endpoint = env("AWS_ENDPOINT_URL");
  s.connection.region = env("AWS_REGION");
  if (s.connection.region.empty()) s.connection.region = env("AWS_DEFAULT_REGION");
  if (s.connection.region.empty()) s.connection.region = "us-east-1";
  return s;
}

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(std::string_view uri,
                                                           const S3StoreSettings& settings) {
  ASSIGN_OR_RETURN(s3::S3Uri parsed, s3::ParseS3Uri(uri));
  ASSIGN_OR_RETURN(s3::BucketAddress address,
                   s3::AddressBucket(settings.connection, parsed.bucket));
  ASSIGN_OR_RETURN(auto http, s3::NewS3Http({address.base_url, settings.ca_pem}));
  return Open(uri, settings, std::move(http));
}

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(std::string_view uri,
                                                           const S3StoreSettings& settings,
                                                           std::unique_ptr<s3::S3Http> http) {
  ASSIGN_OR_RETURN(s3::S3Uri parsed, s3::ParseS3Uri(uri));
  ASSIGN_OR_RETURN(s3::BucketAddress address,
                   s3::AddressBucket(settings.connection, parsed.bucket));
  if (settings.part_size < kMinPartSize) {
    return InvalidArgument("S3 part size " + std::to_string(settings.part_size) +
                           ": at least 5 MiB (S3's smallest multipart part)");
  }
  s3::S3ClientOptions options;
  options.bucket = parsed.bucket;
  options.address = std::move(address);
  options.region = settings.connection.region;
  options.credentials = settings.credentials ? settings.credentials : CredentialsFromEnvironment;
  options.max_attempts = settings.max_attempts;
  // Credentials are checked now, so a missing key is reported at start.
  RETURN_IF_ERROR(options.credentials().status());
  return std::unique_ptr<S3ObjectStore>(new S3ObjectStore(
      std::move(http), std::move(options), std::move(parsed.prefix), settings.part_size));
}

Status S3ObjectStore::Put(std::string_view key, Reader& body) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::string part;
  RETURN_IF_ERROR(ReadUpTo(body, part, part_size_));
  if (part.size() < part_size_) {
    const std::string sha = s3::Sha256Hex(part);
    return client_.PutObject(KeyOf(key), part, {{"x-amz-meta-" + std::string(kShaMeta), sha}})
        .status();
  }
  return PutMultipart(KeyOf(key), std::move(part), body);
}

Status S3ObjectStore::PutMultipart(const std::string& key, std::string part, Reader& body) {
  ASSIGN_OR_RETURN(std::string upload_id, client_.CreateMultipartUpload(key));
  std::vector<s3::CompletedPart> parts;
  Status status = [&]() -> Status {
    while (!part.empty()) {
      const int number = static_cast<int>(parts.size()) + 1;
      if (number > 10000) return InvalidArgument("S3 upload of " + key + ": over 10,000 parts");
      ASSIGN_OR_RETURN(std::string etag, client_.UploadPart(key, upload_id, number, part));
      parts.push_back({number, std::move(etag)});
      RETURN_IF_ERROR(ReadUpTo(body, part, part_size_));
    }
    return client_.CompleteMultipartUpload(key, upload_id, parts).status();
  }();
  if (!status.ok()) {
    // Parts of an upload never completed are billed until aborted.
    (void)client_.AbortMultipartUpload(key, upload_id);
  }
  return status;
}

Result<std::unique_ptr<Reader>> S3ObjectStore::Get(std::string_view key,
                                                   std::optional<ByteRange> range) {
  RETURN_IF_ERROR(ValidateKey(key));
  const uint64_t offset = range ? range->offset : 0;
  std::optional<uint64_t> end;
  if (range && range->length) end = offset + *range->length;
  const uint64_t first_length =
      std::min<uint64_t>(part_size_, end ? *end - offset : std::numeric_limits<uint64_t>::max());
  if (end && first_length == 0) {
    return std::unique_ptr<Reader>(std::make_unique<StringReader>(std::string_view()));
  }
  Result<s3::ObjectBytes> first = client_.GetObject(KeyOf(key), offset, first_length);
  if (!first.ok()) {
    // A range starting past the end: as file:// does, that is the caller's error.
    return first.status();
  }
  return std::unique_ptr<Reader>(std::make_unique<RangeReader>(client_, KeyOf(key), offset, end,
                                                               part_size_, std::move(*first)));
}

Result<ObjectInfo> S3ObjectStore::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  ASSIGN_OR_RETURN(s3::ObjectHead head, client_.HeadObject(KeyOf(key)));
  ObjectInfo info;
  info.key = std::string(key);
  info.size = head.size;
  info.modified = head.last_modified;
  info.etag = head.etag;
  info.storage_class = head.storage_class;
  for (const Header& m : head.metadata) {
    if (m.name == kShaMeta) info.sha256_hex = m.value;
  }
  return info;
}

Result<ListPage> S3ObjectStore::List(const ListRequest& request) {
  ASSIGN_OR_RETURN(s3::ListObjectsV2Result got,
                   client_.ListObjectsV2(KeyOf(request.prefix), request.delimiter,
                                         request.continuation_token, request.max_keys));
  ListPage page;
  page.objects.reserve(got.contents.size());
  for (s3::ListedObject& o : got.contents) {
    if (!o.key.starts_with(prefix_)) continue;  // S3 lists only under it.
    ObjectInfo info;
    info.key = o.key.substr(prefix_.size());
    info.size = o.size;
    info.modified = o.last_modified;
    info.etag = std::move(o.etag);
    info.storage_class = o.storage_class.empty() ? "STANDARD" : std::move(o.storage_class);
    page.objects.push_back(std::move(info));
  }
  for (const std::string& p : got.common_prefixes) {
    if (p.starts_with(prefix_)) page.common_prefixes.push_back(p.substr(prefix_.size()));
  }
  if (got.is_truncated) page.next_continuation_token = got.next_continuation_token;
  return page;
}

Status S3ObjectStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  return client_.DeleteObject(KeyOf(key));
}

Status S3ObjectStore::DeleteMany(std::span<const std::string> keys) {
  Status first;
  for (size_t at = 0; at < keys.size(); at += s3::kMaxDeleteObjectsKeys) {
    const size_t n = std::min(s3::kMaxDeleteObjectsKeys, keys.size() - at);
    std::vector<std::string> batch;
    batch.reserve(n);
    for (const std::string& k : keys.subspan(at, n)) {
      if (Status valid = ValidateKey(k); !valid.ok()) {
        if (first.ok()) first = valid;
        continue;
      }
      batch.push_back(KeyOf(k));
    }
    if (batch.empty()) continue;
    Result<std::vector<s3::DeleteObjectsError>> failed = client_.DeleteObjects(batch);
    if (!failed.ok()) {
      if (first.ok()) first = failed.status();
      continue;
    }
    if (!failed->empty() && first.ok()) {
      const s3::DeleteObjectsError& e = failed->front();
      first = Status(s3::S3ErrorCode(500, e.code),
                     "S3 DeleteObjects: " + std::to_string(failed->size()) + " of " +
                         std::to_string(batch.size()) + " keys not deleted; the first, " + e.key +
                         ": " + e.code + ": " + e.message);
    }
  }
  return first;
}

Status S3ObjectStore::CopyWith(const std::string& from, const s3::ObjectHead& head,
                               const std::string& to, std::vector<Header> headers) {
  if (head.size <= kMaxSingleCopy) {
    headers.push_back({"x-amz-copy-source-if-match", "\"" + head.etag + "\""});
    return client_.CopyObject(from, to, std::move(headers)).status();
  }
  // Above 5 GiB: a multipart upload whose parts are server-side copies.
  std::vector<Header> create;
  for (Header& h : headers) {
    if (h.name != "x-amz-metadata-directive") create.push_back(std::move(h));
  }
  ASSIGN_OR_RETURN(std::string upload_id, client_.CreateMultipartUpload(to, std::move(create)));
  constexpr uint64_t kCopyPart = uint64_t{512} << 20;
  std::vector<s3::CompletedPart> parts;
  Status status = [&]() -> Status {
    for (uint64_t offset = 0; offset < head.size; offset += kCopyPart) {
      const int number = static_cast<int>(parts.size()) + 1;
      ASSIGN_OR_RETURN(std::string etag,
                       client_.UploadPartCopy(to, upload_id, number, from, head.etag, offset,
                                              std::min(kCopyPart, head.size - offset)));
      parts.push_back({number, std::move(etag)});
    }
    return client_.CompleteMultipartUpload(to, upload_id, parts).status();
  }();
  if (!status.ok()) (void)client_.AbortMultipartUpload(to, upload_id);
  return status;
}

Status S3ObjectStore::Copy(std::string_view from, std::string_view to) {
  RETURN_IF_ERROR(ValidateKey(from));
  RETURN_IF_ERROR(ValidateKey(to));
  ASSIGN_OR_RETURN(s3::ObjectHead head, client_.HeadObject(KeyOf(from)));
  return CopyWith(KeyOf(from), head, KeyOf(to), {});
}

Status S3ObjectStore::SetStorageClass(std::string_view key, const std::string& storage_class) {
  RETURN_IF_ERROR(ValidateKey(key));
  ASSIGN_OR_RETURN(s3::ObjectHead head, client_.HeadObject(KeyOf(key)));
  if (head.storage_class == storage_class) return Status();
  // Copying an object onto itself is only allowed when something changes;
  // REPLACE drops the metadata unless it is sent again.
  std::vector<Header> headers = {{"x-amz-storage-class", storage_class},
                                 {"x-amz-metadata-directive", "REPLACE"}};
  for (const Header& m : head.metadata) headers.push_back({"x-amz-meta-" + m.name, m.value});
  return CopyWith(KeyOf(key), head, KeyOf(key), std::move(headers));
}

Status S3ObjectStore::PutTags(std::string_view key, std::span<const s3::Tag> tags) {
  RETURN_IF_ERROR(ValidateKey(key));
  return client_.PutObjectTagging(KeyOf(key), tags);
}

Result<std::vector<s3::Tag>> S3ObjectStore::GetTags(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  return client_.GetObjectTagging(KeyOf(key));
}

}  // namespace runledger::store
