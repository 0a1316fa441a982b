// ChunkCache: an LRU of chunk bytes bounded by total size.
#include "store/chunk_cache.h"

namespace runledger::store {

std::shared_ptr<const std::string> ChunkCache::Get(const std::string& object) {
  MutexLock lock(mu_);
  auto it = index_.find(object);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void ChunkCache::Insert(const std::string& object, std::shared_ptr<const std::string> bytes) {
  if (bytes->size() > budget_) return;
  MutexLock lock(mu_);
  if (index_.count(object) != 0) return;
  bytes_ += bytes->size();
  lru_.emplace_front(object, std::move(bytes));
  index_[object] = lru_.begin();
  while (bytes_ > budget_) {
    bytes_ -= lru_.back().second->size();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

size_t ChunkCache::bytes() const {
  MutexLock lock(mu_);
  return bytes_;
}

}  // namespace runledger::store
