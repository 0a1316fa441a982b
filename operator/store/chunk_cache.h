// ChunkCache: the bytes of recently read chunk objects, within a byte
// budget, least recently used evicted first. Chunks are immutable, so a
// cached copy never goes stale. An object larger than the budget is
// returned to the caller but not kept.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/mutex.h"

namespace runledger::store {

class ChunkCache {
 public:
  explicit ChunkCache(size_t budget_bytes) : budget_(budget_bytes) {}

  // The cached bytes of `object`, or nullptr.
  std::shared_ptr<const std::string> Get(const std::string& object);
  void Insert(const std::string& object, std::shared_ptr<const std::string> bytes);

  size_t bytes() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const std::string>>;
  const size_t budget_;
  mutable Mutex mu_;
  std::list<Entry> lru_ GUARDED_BY(mu_);  // Most recent first.
  std::unordered_map<std::string, std::list<Entry>::iterator> index_ GUARDED_BY(mu_);
  size_t bytes_ GUARDED_BY(mu_) = 0;
};

}  // namespace runledger::store
