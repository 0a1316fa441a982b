#include "runtime/finalizers.h"

#include <string>

namespace runledger::runtime {

using nlohmann::json;

namespace {

const json* Finalizers(const json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return nullptr;
  auto f = meta->find("finalizers");
  return f != meta->end() && f->is_array() ? &*f : nullptr;
}

}  // namespace

bool HasFinalizer(const json& object, std::string_view finalizer) {
  const json* f = Finalizers(object);
  if (!f) return false;
  for (const json& entry : *f) {
    if (entry.is_string() && entry.get<std::string>() == finalizer) return true;
  }
  return false;
}

std::optional<json> AddFinalizerPatch(const json& object, std::string_view finalizer) {
  if (HasFinalizer(object, finalizer)) return std::nullopt;
  const json* f = Finalizers(object);
  if (!f || f->empty()) {
    // A missing field tests equal to null, so this also fails if someone
    // added a finalizer since we read the object.
    return json::array(
        {{{"op", "test"}, {"path", "/metadata/finalizers"}, {"value", nullptr}},
         {{"op", "add"}, {"path", "/metadata/finalizers"}, {"value", json::array({finalizer})}}});
  }
  return json::array({{{"op", "test"}, {"path", "/metadata/finalizers"}, {"value", *f}},
                      {{"op", "add"}, {"path", "/metadata/finalizers/-"}, {"value", finalizer}}});
}

std::optional<json> RemoveFinalizerPatch(const json& object, std::string_view finalizer) {
  const json* f = Finalizers(object);
  if (!f) return std::nullopt;
  for (size_t i = 0; i < f->size(); ++i) {
    const json& entry = (*f)[i];
    if (!entry.is_string() || entry.get<std::string>() != finalizer) continue;
    const std::string path = "/metadata/finalizers/" + std::to_string(i);
    return json::array({{{"op", "test"}, {"path", path}, {"value", finalizer}},
                        {{"op", "remove"}, {"path", path}}});
  }
  return std::nullopt;
}

}  // namespace runledger::runtime
