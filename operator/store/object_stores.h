// ObjectStores: the object stores one process uses, opened by URI once and
// kept for its lifetime, all s3:// ones with the same S3 settings (the
// operator's store, each Experiment's artifactStore, retention's targets).
//
// A URI that fails to open is not remembered: the next Get tries again
// (a bucket created later, credentials fixed).
// Thread-safety: every method may be called from any thread; the stores
// returned are shared and thread-safe themselves.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/mutex.h"
#include "store/object_store.h"
#include "store/s3_object_store.h"

namespace runledger::store {

class ObjectStores {
 public:
  explicit ObjectStores(S3StoreSettings s3) : s3_(std::move(s3)) {}

  // The store of `uri`; lives as long as this object. Errors: Open's.
  Result<ObjectStore*> Get(std::string_view uri) EXCLUDES(mu_);

  const S3StoreSettings& s3() const { return s3_; }

 private:
  const S3StoreSettings s3_;
  Mutex mu_;
  std::map<std::string, std::unique_ptr<ObjectStore>, std::less<>> stores_ GUARDED_BY(mu_);
};

}  // namespace runledger::store
