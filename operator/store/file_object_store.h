// FileObjectStore: the embedded file:// backend of ObjectStore.
//
// Layout: object "a/b/c" is the file <root>/a/b/c. A Put writes
// <root>/.rl-tmp/<unique>, fsyncs it, creates parent directories (each made
// durable), renames it into place and fsyncs the parent directory, so an
// acknowledged Put survives a crash and a reader never sees part of one.
// Delete removes directories that become empty, so List and S3 agree; a
// Put whose new directory such a Delete removes before the rename makes it
// again (Put and Delete in one prefix may run concurrently).
// The SHA-256 of each object is kept in the xattr "user.runledger.sha256"
// (computed on Head when the file system has no xattrs).
//
// Limits: List walks every key under the prefix for each page (fine for
// the metric store's few thousand objects; S3 is the backend for more).
// The root must not contain symlinks planted by others: keys are checked
// textually (ValidateKey) and never resolve "..".
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "store/object_store.h"

namespace runledger::store {

class FileObjectStore final : public ObjectStore {
 public:
  // Creates `root` (an absolute path) if missing.
  static Result<std::unique_ptr<FileObjectStore>> Open(std::string root);

  Status Put(std::string_view key, Reader& body) override;
  Result<std::unique_ptr<Reader>> Get(std::string_view key,
                                      std::optional<ByteRange> range = {}) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListPage> List(const ListRequest& request) override;
  Status Delete(std::string_view key) override;

  const std::string& root() const { return root_; }

 private:
  explicit FileObjectStore(std::string root) : root_(std::move(root)) {}
  std::string PathOf(std::string_view key) const { return root_ + "/" + std::string(key); }
  // Makes the parent directories and renames the synced `tmp` into place.
  static Status MoveIntoPlace(std::string_view key, const std::string& tmp,
                              const std::string& final_path);

  const std::string root_;
  // Names this instance's temporary files (see Put): pid and 64 random bits.
  const std::string tmp_tag_ = NewTmpTag();
  static std::string NewTmpTag();
  std::atomic<uint64_t> tmp_counter_{0};
};

}  // namespace runledger::store
