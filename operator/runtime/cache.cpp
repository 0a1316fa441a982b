#include "runtime/cache.h"

#include <mutex>

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

json Cache::Slim(json object) {
  if (!object.is_object()) return object;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return object;
  meta->erase("managedFields");
  if (auto ann = meta->find("annotations"); ann != meta->end() && ann->is_object()) {
    ann->erase("kubectl.kubernetes.io/last-applied-configuration");
    if (ann->empty()) meta->erase(ann);
  }
  return object;
}

void Cache::AddIndex(std::string name, IndexFunc index) {
  std::unique_lock lock(mu_);
  indexes_[std::move(name)] = Index{std::move(index), {}};
}

void Cache::PutLockHeld(const ObjectKey& key, ObjectPtr object) {
  EraseLockHeld(key);
  for (auto& [name, index] : indexes_) {
    for (auto& k : index.func(*object)) index.keys[k].insert(key);
  }
  objects_[key] = std::move(object);
}

void Cache::EraseLockHeld(const ObjectKey& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return;
  for (auto& [name, index] : indexes_) {
    for (auto& k : index.func(*it->second)) {
      auto entry = index.keys.find(k);
      if (entry == index.keys.end()) continue;
      entry->second.erase(key);
      if (entry->second.empty()) index.keys.erase(entry);
    }
  }
  objects_.erase(it);
}

void Cache::ReplaceAll(Objects listed, const std::function<void(const CacheChange&)>& on_change) {
  std::vector<CacheChange> changes;
  {
    std::unique_lock lock(mu_);
    for (const auto& [key, old] : objects_) {
      auto it = listed.find(key);
      if (it == listed.end()) {
        changes.push_back({CacheChange::Type::kDeleted, old, old});
      } else if (kube::StringField(kube::ObjectField(*old, "metadata"), "resourceVersion") !=
                 kube::StringField(kube::ObjectField(*it->second, "metadata"), "resourceVersion")) {
        changes.push_back({CacheChange::Type::kUpdated, old, it->second});
      }
    }
    for (const auto& [key, object] : listed) {
      if (!objects_.count(key)) changes.push_back({CacheChange::Type::kAdded, nullptr, object});
    }
    objects_.clear();
    for (auto& [name, index] : indexes_) index.keys.clear();
    for (auto& [key, object] : listed) PutLockHeld(key, std::move(object));
    synced_ = true;
  }
  for (const auto& change : changes) on_change(change);
}

void Cache::Apply(const WatcherEvent& event,
                  const std::function<void(const CacheChange&)>& on_change) {
  switch (event.type) {
    case WatcherEventType::kInitBegin: relist_.clear(); return;
    case WatcherEventType::kInitApply: {
      auto slim = std::make_shared<const json>(Slim(*event.object));
      relist_[ObjectKey::Of(*slim)] = std::move(slim);
      return;
    }
    case WatcherEventType::kInitDone: ReplaceAll(std::exchange(relist_, {}), on_change); return;
    case WatcherEventType::kApply: {
      auto slim = std::make_shared<const json>(Slim(*event.object));
      const ObjectKey key = ObjectKey::Of(*slim);
      ObjectPtr old;
      {
        std::unique_lock lock(mu_);
        if (auto it = objects_.find(key); it != objects_.end()) old = it->second;
        PutLockHeld(key, slim);
      }
      on_change({old ? CacheChange::Type::kUpdated : CacheChange::Type::kAdded, old, slim});
      return;
    }
    case WatcherEventType::kDelete: {
      const ObjectKey key = ObjectKey::Of(*event.object);
      ObjectPtr old;
      {
        std::unique_lock lock(mu_);
        if (auto it = objects_.find(key); it != objects_.end()) old = it->second;
        EraseLockHeld(key);
      }
      on_change(
          {CacheChange::Type::kDeleted, old, std::make_shared<const json>(Slim(*event.object))});
      return;
    }
  }
}

ObjectPtr Cache::Get(const ObjectKey& key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Cache::List(std::string_view ns) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  if (ns.empty()) {
    out.reserve(objects_.size());
    for (const auto& [key, object] : objects_) out.push_back(object);
    return out;
  }
  // Keys sort by namespace first: the namespace's objects are one range.
  for (auto it = objects_.lower_bound(ObjectKey{std::string(ns), ""});
       it != objects_.end() && it->first.ns == ns; ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<ObjectPtr> Cache::ByIndex(std::string_view index, std::string_view key) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(std::string(index));
  if (idx == indexes_.end()) return out;
  auto entry = idx->second.keys.find(std::string(key));
  if (entry == idx->second.keys.end()) return out;
  for (const auto& k : entry->second) {
    if (auto it = objects_.find(k); it != objects_.end()) out.push_back(it->second);
  }
  return out;
}

size_t Cache::Size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

bool Cache::Synced() const {
  std::shared_lock lock(mu_);
  return synced_;
}

}  // namespace runledger::runtime
