// Finalizers: JSON patches that add or remove one finalizer without ever
// touching another controller's.
//
// Flow: the controller adds its finalizer before it creates anything outside
// Kubernetes; when the object is being deleted it cleans up, then removes
// the finalizer, and the API server deletes the object.
// Guarantees: each patch begins with a `test` op on what it read, so if the
// finalizers changed meanwhile (another controller added or removed one),
// the API server refuses the patch (422) and the caller re-reads; a removal
// removes exactly the entry it tested.
// Assumptions: the caller read `object` recently (from the cache) and sends
// the patch as kube::PatchType::kJson.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace runledger::runtime {

bool HasFinalizer(const nlohmann::json& object, std::string_view finalizer);

// A JSON patch adding `finalizer`, or nullopt if it is already there.
std::optional<nlohmann::json> AddFinalizerPatch(const nlohmann::json& object,
                                                std::string_view finalizer);

// A JSON patch removing `finalizer`, or nullopt if it is absent.
std::optional<nlohmann::json> RemoveFinalizerPatch(const nlohmann::json& object,
                                                   std::string_view finalizer);

}  // namespace runledger::runtime
