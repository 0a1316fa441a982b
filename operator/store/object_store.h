// ObjectStore: every byte runledger keeps outside Kubernetes (metric chunks,
// the metric manifest; artifacts later), behind one interface chosen by URI.
//
// The contract follows S3 so that an s3:// backend can slot in unchanged:
//   - Keys are '/'-separated relative paths (see ValidateKey). A key names
//     one object; "a" and "a/b" may not both exist (file:// cannot hold both).
//   - Put is atomic: a reader sees the old object, the new one or none, never
//     part of one. The body is streamed from a Reader.
//   - Get streams the object, optionally a byte range.
//   - Delete of a missing key succeeds (S3 answers 204 too).
//   - List returns keys in byte order, grouped by a delimiter into common
//     prefixes, in pages joined by an opaque continuation token.
//
// Errors: NotFound for a missing key on Get/Head/Copy; InvalidArgument for a
// bad key or range; ResourceExhausted when the backend is out of space;
// IoError/Unavailable for backend failures.
// Thread-safety: every method may be called from many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runledger::store {

struct S3StoreSettings;

// A stream of bytes, read front to back.
class Reader {
 public:
  virtual ~Reader() = default;
  // Reads up to `n` bytes into `buf`; returns how many, 0 only at the end.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// Reads from a string it does not own; `data` must outlive the reader.
class StringReader final : public Reader {
 public:
  explicit StringReader(std::string_view data) : data_(data) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  std::string_view data_;
};

// Reads a whole stream into a string.
Result<std::string> ReadAll(Reader& r);

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::chrono::system_clock::time_point modified;
  std::string sha256_hex;  // Content hash; empty in List pages (S3 omits it too).
  // S3 only (empty for file://): the ETag without quotes, and the storage
  // class ("STANDARD", "STANDARD_IA", ...).
  std::string etag;
  std::string storage_class;
};

// Bytes [offset, offset + length) of an object; no length means to the end.
struct ByteRange {
  uint64_t offset = 0;
  std::optional<uint64_t> length;
};

struct ListRequest {
  std::string prefix;              // Only keys that start with this.
  std::string delimiter;           // Empty: no grouping. Usually "/".
  std::string continuation_token;  // From the previous page; empty for the first.
  size_t max_keys = 1000;          // Objects plus common prefixes per page.
};

struct ListPage {
  std::vector<ObjectInfo> objects;
  // Distinct "prefix + ... + delimiter" strings of keys below the prefix.
  std::vector<std::string> common_prefixes;
  // Non-empty when more results follow; pass it back for the next page.
  std::string next_continuation_token;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Opens the backend for `uri`: "file:///abs/path" (created if missing) or
  // "s3://bucket/prefix" with `s3`'s connection and credentials (null:
  // S3SettingsFromEnvironment(), s3_object_store.h).
  static Result<std::unique_ptr<ObjectStore>> Open(std::string_view uri,
                                                   const S3StoreSettings* s3 = nullptr);

  virtual Status Put(std::string_view key, Reader& body) = 0;
  virtual Result<std::unique_ptr<Reader>> Get(std::string_view key,
                                              std::optional<ByteRange> range = {}) = 0;
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;
  virtual Result<ListPage> List(const ListRequest& request) = 0;
  virtual Status Delete(std::string_view key) = 0;
  // Deletes every key; missing keys count as deleted. Returns the first error
  // after trying all of them.
  virtual Status DeleteMany(std::span<const std::string> keys);
  // Copies `from` to `to` atomically (as a Put of `to`).
  virtual Status Copy(std::string_view from, std::string_view to);

  // Conveniences over Put/Get for small objects.
  Status PutString(std::string_view key, std::string_view data);
  Result<std::string> GetString(std::string_view key);
};

// Checks a key: 1..1024 bytes, '/'-separated segments that are non-empty and
// not "." or "..", no leading '/', no NUL or backslash, not under ".rl-tmp/".
// The message says which rule was broken.
Status ValidateKey(std::string_view key);

}  // namespace runledger::store
