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
// Memory: an object is kept as its compact JSON text, not as a parsed
// nlohmann::json. Parsed, a TrainingRun of 1.7 KB of text takes about 11 KB
// of heap (a std::map node and a std::string per field); as text, 1.7 KB.
// So every read parses: Get, List and ByIndex return a fresh parse (about
// 60 us for a TrainingRun), which is nothing beside the API calls a
// reconcile makes, but too much for a scan over thousands of objects. Scans
// read summaries instead: the fields named with SetSummaryFields, kept
// parsed (metadata.namespace and metadata.name always among them).
//
// Indexes map an object to keys (e.g. its controller owner's UID); ByIndex
// answers "which objects have this key" without a scan; listing one namespace
// reads only its range.
//
// Scopes: an operator watching some namespaces runs one watcher per
// namespace, all feeding one cache. Each watcher's events carry its scope
// (its namespace; "" for all namespaces), and a relist replaces only the
// objects of its scope. The cache is synced once every scope has been
// listed.
//
// Thread-safety: Apply from one thread per scope; readers from any thread.
// Readers hold the lock only to copy pointers; they parse outside it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
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
  // Indexes, summary fields and scopes must be set before the first Apply.
  void AddIndex(std::string name, IndexFunc index);
  // The scopes events will come from (see above); default: one, "".
  void SetScopes(std::vector<std::string> namespaces);
  // JSON pointers ("/status/phase") of the fields SummariesByIndex returns.
  // A field the object lacks is absent from its summary.
  void SetSummaryFields(std::vector<std::string> pointers);

  // Applies a watcher event of `scope`; reports what changed through
  // `on_change` (called after the cache is updated, without its lock held).
  void Apply(const WatcherEvent& event, const std::function<void(const CacheChange&)>& on_change,
             const std::string& scope = "");

  // Null when absent.
  ObjectPtr Get(const ObjectKey& key) const;
  // Every object, or those in `ns`.
  std::vector<ObjectPtr> List(std::string_view ns = "") const;
  std::vector<ObjectPtr> ByIndex(std::string_view index, std::string_view key) const;
  // As ByIndex, but each object holds only its summary fields (see above):
  // for readers that look at a few fields of many objects.
  std::vector<ObjectPtr> SummariesByIndex(std::string_view index, std::string_view key) const;
  size_t Size() const;
  // True once the first full list of every scope has been swapped in.
  bool Synced() const;

  // Drops what reconcilers never read (see above); exposed for tests.
  static nlohmann::json Slim(const nlohmann::json& object);

 private:
  using Text = std::shared_ptr<const std::string>;
  // One object as stored.
  struct Entry {
    Text text;                     // Compact JSON of the slimmed object.
    ObjectPtr summary;             // Summary fields, parsed.
    std::string resource_version;  // To tell a relisted object changed.
    // Its keys in each index, in the order of indexes_.
    std::vector<std::vector<std::string>> index_keys;
  };
  using Entries = std::map<ObjectKey, Entry>;
  struct Index {
    size_t position;  // In index_funcs_ and Entry::index_keys.
    std::unordered_map<std::string, std::set<ObjectKey>> keys;
  };

  Entry MakeEntry(const nlohmann::json& slim) const;
  static ObjectPtr Parse(const Text& text);
  void PutLockHeld(const ObjectKey& key, Entry entry) REQUIRES(mu_);
  void EraseLockHeld(const ObjectKey& key) REQUIRES(mu_);
  // The entries `index` maps to `key`; valid while mu_ is held.
  std::vector<const Entry*> ByIndexLockHeld(std::string_view index, std::string_view key) const
      REQUIRES(mu_);
  // Replaces the objects of `scope` ("": all) with `listed`.
  void ReplaceScope(const std::string& scope, Entries listed,
                    const std::function<void(const CacheChange&)>& on_change);

  mutable Mutex mu_;
  Entries objects_ GUARDED_BY(mu_);
  std::map<std::string, Index> indexes_ GUARDED_BY(mu_);
  // Written only before the first Apply, then read by the writer alone.
  std::vector<IndexFunc> index_funcs_;
  std::vector<nlohmann::json::json_pointer> summary_fields_;
  std::set<std::string> unsynced_scopes_ GUARDED_BY(mu_) = {""};
  // A relist in progress per scope. The map is fixed by SetScopes; each
  // value is touched only by its scope's writer thread.
  std::map<std::string, Entries> relists_ = {{"", {}}};
};

}  // namespace runledger::runtime
