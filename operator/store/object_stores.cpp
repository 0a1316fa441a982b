#include "store/object_stores.h"

namespace runledger::store {

Result<ObjectStore*> ObjectStores::Get(std::string_view uri) {
  MutexLock lock(mu_);
  if (auto it = stores_.find(uri); it != stores_.end()) return it->second.get();
  // Opening does no I/O for s3:// and little for file://: under the lock,
  // so a URI is opened once.
  ASSIGN_OR_RETURN(auto opened, ObjectStore::Open(uri, &s3_));
  return stores_.emplace(std::string(uri), std::move(opened)).first->second.get();
}

}  // namespace runledger::store
