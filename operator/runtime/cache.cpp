#include "runtime/cache.h"

#include "kube/json_fields.h"

namespace runledger::runtime {

using nlohmann::json;

ObjectKey ObjectKey::Parse(std::string_view key) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

ObjectKey ObjectKey::Of(const json& object) {
  const json& meta = kube::ObjectField(object, "metadata");
  return {kube::StringField(meta, "namespace"), kube::StringField(meta, "name")};
}

IndexFunc IndexByControllerUid() {
  return [](const json& object) -> std::vector<std::string> {
    const json& meta = kube::ObjectField(object, "metadata");
    auto refs = meta.find("ownerReferences");
    if (refs == meta.end() || !refs->is_array()) return {};
    for (const json& ref : *refs) {
      if (kube::BoolField(ref, "controller")) {
        return {kube::StringField(ref, "uid")};
      }
    }
    return {};
  };
}

IndexFunc IndexByLabel(std::string label) {
  return [label = std::move(label)](const json& object) -> std::vector<std::string> {
    const json& meta = kube::ObjectField(object, "metadata");
    const std::string value = kube::StringField(kube::ObjectField(meta, "labels"), label);
    if (value.empty()) return {};
    return {kube::StringField(meta, "namespace") + "/" + value};
  };
}

json Cache::Slim(const json& object) {
  if (!object.is_object()) return object;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return object;
  // Copies what is kept rather than copying all and erasing: managedFields
  // are often half the object's fields.
  json slim = json::object();
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it.key() != "metadata") slim[it.key()] = *it;
  }
  json& slim_meta = slim["metadata"] = json::object();
  for (auto it = meta->begin(); it != meta->end(); ++it) {
    if (it.key() == "managedFields") continue;
    if (it.key() == "annotations" && it->is_object()) {
      json annotations = *it;
      annotations.erase("kubectl.kubernetes.io/last-applied-configuration");
      if (!annotations.empty()) slim_meta["annotations"] = std::move(annotations);
      continue;
    }
    slim_meta[it.key()] = *it;
  }
  return slim;
}

void Cache::AddIndex(std::string name, IndexFunc index) {
  MutexLock lock(mu_);
  indexes_[std::move(name)] = Index{index_funcs_.size(), {}};
  index_funcs_.push_back(std::move(index));
}

void Cache::SetScopes(std::vector<std::string> namespaces) {
  MutexLock lock(mu_);
  relists_.clear();
  unsynced_scopes_.clear();
  for (auto& ns : namespaces) {
    relists_[ns];
    unsynced_scopes_.insert(std::move(ns));
  }
}

void Cache::SetSummaryFields(std::vector<std::string> pointers) {
  summary_fields_.clear();
  for (const auto& p : pointers) summary_fields_.emplace_back(p);
}

Cache::Entry Cache::MakeEntry(const json& slim) const {
  Entry entry;
  std::string text = slim.dump(-1, ' ', false, json::error_handler_t::replace);
  // dump() grows its string by doubling: without this a third of the
  // cache's text could be slack.
  text.shrink_to_fit();
  entry.text = std::make_shared<const std::string>(std::move(text));

  const json& meta = kube::ObjectField(slim, "metadata");
  json summary = json::object();
  json& summary_meta = summary["metadata"] = json::object();
  for (const char* field : {"namespace", "name"}) {
    if (auto it = meta.find(field); it != meta.end()) summary_meta[field] = *it;
  }
  for (const auto& pointer : summary_fields_) {
    if (slim.contains(pointer)) summary[pointer] = slim.at(pointer);
  }
  entry.summary = std::make_shared<const json>(std::move(summary));
  entry.resource_version = kube::StringField(meta, "resourceVersion");
  entry.index_keys.reserve(index_funcs_.size());
  for (const auto& func : index_funcs_) entry.index_keys.push_back(func(slim));
  return entry;
}

ObjectPtr Cache::Parse(const Text& text) {
  // The text is our own dump of a valid object: it always parses.
  return std::make_shared<const json>(json::parse(*text, nullptr, /*allow_exceptions=*/false));
}

void Cache::PutLockHeld(const ObjectKey& key, Entry entry) {
  EraseLockHeld(key);
  for (auto& [name, index] : indexes_) {
    for (const auto& k : entry.index_keys[index.position]) index.keys[k].insert(key);
  }
  objects_.emplace(key, std::move(entry));
}

void Cache::EraseLockHeld(const ObjectKey& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return;
  for (auto& [name, index] : indexes_) {
    for (const auto& k : it->second.index_keys[index.position]) {
      auto entry = index.keys.find(k);
      if (entry == index.keys.end()) continue;
      entry->second.erase(key);
      if (entry->second.empty()) index.keys.erase(entry);
    }
  }
  objects_.erase(it);
}

void Cache::ReplaceScope(const std::string& scope, Entries listed,
                         const std::function<void(const CacheChange&)>& on_change) {
  // Changes are kept as texts and parsed one at a time as they are
  // reported: parsing them all first would hold every relisted object
  // parsed at once, the very memory the text form saves.
  struct Change {
    CacheChange::Type type;
    Text old_text;
    Text new_text;
  };
  std::vector<Change> changes;
  {
    MutexLock lock(mu_);
    // Keys sort by namespace first: a namespace's objects are one range.
    auto first = scope.empty() ? objects_.begin() : objects_.lower_bound(ObjectKey{scope, ""});
    std::vector<ObjectKey> gone;
    for (auto it = first; it != objects_.end() && (scope.empty() || it->first.ns == scope); ++it) {
      const auto& [key, old] = *it;
      auto listed_it = listed.find(key);
      if (listed_it == listed.end()) {
        changes.push_back({CacheChange::Type::kDeleted, old.text, nullptr});
        gone.push_back(key);
      } else if (old.resource_version != listed_it->second.resource_version) {
        changes.push_back({CacheChange::Type::kUpdated, old.text, listed_it->second.text});
      }
    }
    for (const auto& [key, entry] : listed) {
      if (!objects_.count(key)) changes.push_back({CacheChange::Type::kAdded, nullptr, entry.text});
    }
    for (const auto& key : gone) EraseLockHeld(key);
    for (auto& [key, entry] : listed) PutLockHeld(key, std::move(entry));
    unsynced_scopes_.erase(scope);
  }
  for (auto& change : changes) {
    ObjectPtr old_object = change.old_text ? Parse(change.old_text) : nullptr;
    // A deletion reports the last state known as the new object too.
    ObjectPtr new_object = change.new_text ? Parse(change.new_text) : old_object;
    on_change({change.type, std::move(old_object), std::move(new_object)});
  }
}

void Cache::Apply(const WatcherEvent& event,
                  const std::function<void(const CacheChange&)>& on_change,
                  const std::string& scope) {
  switch (event.type) {
    case WatcherEventType::kInitBegin: relists_.at(scope).clear(); return;
    case WatcherEventType::kInitApply: {
      const json slim = Slim(*event.object);
      relists_.at(scope).insert_or_assign(ObjectKey::Of(slim), MakeEntry(slim));
      return;
    }
    case WatcherEventType::kInitDone:
      ReplaceScope(scope, std::exchange(relists_.at(scope), {}), on_change);
      return;
    case WatcherEventType::kApply: {
      auto slim = std::make_shared<const json>(Slim(*event.object));
      const ObjectKey key = ObjectKey::Of(*slim);
      Entry entry = MakeEntry(*slim);
      Text old;
      {
        MutexLock lock(mu_);
        if (auto it = objects_.find(key); it != objects_.end()) old = it->second.text;
        PutLockHeld(key, std::move(entry));
      }
      on_change({old ? CacheChange::Type::kUpdated : CacheChange::Type::kAdded,
                 old ? Parse(old) : nullptr, std::move(slim)});
      return;
    }
    case WatcherEventType::kDelete: {
      const ObjectKey key = ObjectKey::Of(*event.object);
      Text old;
      {
        MutexLock lock(mu_);
        if (auto it = objects_.find(key); it != objects_.end()) old = it->second.text;
        EraseLockHeld(key);
      }
      on_change({CacheChange::Type::kDeleted, old ? Parse(old) : nullptr,
                 std::make_shared<const json>(Slim(*event.object))});
      return;
    }
  }
}

ObjectPtr Cache::Get(const ObjectKey& key) const {
  Text text;
  {
    MutexLock lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return nullptr;
    text = it->second.text;
  }
  return Parse(text);
}

std::vector<ObjectPtr> Cache::List(std::string_view ns) const {
  std::vector<Text> texts;
  {
    MutexLock lock(mu_);
    if (ns.empty()) {
      texts.reserve(objects_.size());
      for (const auto& [key, entry] : objects_) texts.push_back(entry.text);
    } else {
      // Keys sort by namespace first: the namespace's objects are one range.
      for (auto it = objects_.lower_bound(ObjectKey{std::string(ns), ""});
           it != objects_.end() && it->first.ns == ns; ++it) {
        texts.push_back(it->second.text);
      }
    }
  }
  std::vector<ObjectPtr> out;
  out.reserve(texts.size());
  for (const auto& text : texts) out.push_back(Parse(text));
  return out;
}

std::vector<const Cache::Entry*> Cache::ByIndexLockHeld(std::string_view index,
                                                        std::string_view key) const {
  std::vector<const Entry*> out;
  auto idx = indexes_.find(std::string(index));
  if (idx == indexes_.end()) return out;
  auto entry = idx->second.keys.find(std::string(key));
  if (entry == idx->second.keys.end()) return out;
  out.reserve(entry->second.size());
  for (const auto& k : entry->second) {
    if (auto it = objects_.find(k); it != objects_.end()) out.push_back(&it->second);
  }
  return out;
}

std::vector<ObjectPtr> Cache::ByIndex(std::string_view index, std::string_view key) const {
  std::vector<Text> texts;
  {
    MutexLock lock(mu_);
    for (const Entry* entry : ByIndexLockHeld(index, key)) texts.push_back(entry->text);
  }
  std::vector<ObjectPtr> out;
  out.reserve(texts.size());
  for (const auto& text : texts) out.push_back(Parse(text));
  return out;
}

std::vector<ObjectPtr> Cache::SummariesByIndex(std::string_view index, std::string_view key) const {
  MutexLock lock(mu_);
  std::vector<ObjectPtr> out;
  for (const Entry* entry : ByIndexLockHeld(index, key)) out.push_back(entry->summary);
  return out;
}

size_t Cache::Size() const {
  MutexLock lock(mu_);
  return objects_.size();
}

bool Cache::Synced() const {
  MutexLock lock(mu_);
  return unsynced_scopes_.empty();
}

}  // namespace runledger::runtime
