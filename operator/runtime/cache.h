// Cache: the operator's in-memory copy of one kind, fed by a Watcher, read by
// reconcilers instead of the API server.
//
// One writer (the informer thread) applies watcher events; any number of
// readers get immutable objects (shared_ptr<const json>) that stay valid
// however the cache changes afterwards. A relist is buffered and swapped in
// whole at kInitDone; objects that vanished in between are reported as
// deletions, objects that changed as updates — so a handler sees every
// delete even when the watch was down while it happened.
//
// Objects are stored without metadata.managedFields and the
// kubectl.kubernetes.io/last-applied-configuration annotation: reconcilers do
// not read them and they are often half an object's size.
//
// Indexes map an object to keys (e.g. its controller owner's UID); ByIndex
// answers "which objects have this key" without a scan; listing one namespace
// reads only its range.
//
// Thread-safety: Apply from one thread; readers from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/watcher.h"

namespace runledger::runtime {

// "namespace/name", or "name" for cluster-scoped objects.
struct ObjectKey {
  std::string ns;
  std::string name;
  std::string String() const { return ns.empty() ? name : ns + "/" + name; }
  static ObjectKey Parse(std::string_view key);
  static ObjectKey Of(const nlohmann::json& object);
  bool operator==(const ObjectKey&) const = default;
  auto operator<=>(const ObjectKey&) const = default;
};

// The keys an object has in one index.
using IndexFunc = std::function<std::vector<std::string>(const nlohmann::json&)>;

// Index by the UID of the object's controller owner (ownerReferences with
// controller: true): "which Jobs does this TrainingRun own".
IndexFunc IndexByControllerUid();
// Index by a label's value, within the namespace: keys are "ns/value".
IndexFunc IndexByLabel(std::string label);

struct CacheChange {
  enum class Type { kAdded, kUpdated, kDeleted };
  Type type;
  ObjectPtr old_object;  // Null for kAdded.
  ObjectPtr new_object;  // For kDeleted: the last state known.
};

class Cache {
 public:
  // Indexes must be added before the first Apply.
  void AddIndex(std::string name, IndexFunc index);

  // Applies a watcher event; reports what changed through `on_change`
  // (called after the cache is updated, without its lock held).
  void Apply(const WatcherEvent& event, const std::function<void(const CacheChange&)>& on_change);

  ObjectPtr Get(const ObjectKey& key) const;
  // Every object, or those in `ns`.
  std::vector<ObjectPtr> List(std::string_view ns = "") const;
  std::vector<ObjectPtr> ByIndex(std::string_view index, std::string_view key) const;
  size_t Size() const;
  // True once the first full list has been swapped in.
  bool Synced() const;

  // Drops what reconcilers never read (see above); exposed for tests.
  static nlohmann::json Slim(nlohmann::json object);

 private:
  using Objects = std::map<ObjectKey, ObjectPtr>;
  struct Index {
    IndexFunc func;
    std::unordered_map<std::string, std::set<ObjectKey>> keys;
  };
  void PutLockHeld(const ObjectKey& key, ObjectPtr object);
  void EraseLockHeld(const ObjectKey& key);
  void ReplaceAll(Objects listed, const std::function<void(const CacheChange&)>& on_change);

  mutable std::shared_mutex mu_;
  Objects objects_;                       // Guarded by mu_.
  std::map<std::string, Index> indexes_;  // Guarded by mu_.
  bool synced_ = false;                   // Guarded by mu_.
  Objects relist_;                        // Writer thread only: a relist in progress.
};

}  // namespace runledger::runtime
