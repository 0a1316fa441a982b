// Resource: which kind of object a request is about, and the URL paths and
// query strings the API server expects for it.
//
// Pure functions: no I/O; a name that would change the path's meaning is
// refused, not sent. Paths follow the API conventions:
//   core:   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
//   groups: /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/...]
// An empty namespace on a namespaced resource means "all namespaces" (list
// and watch only).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace runledger::kube {

struct Resource {
  std::string group;     // "" for the core group.
  std::string version;   // e.g. "v1".
  std::string resource;  // Plural, lower case, e.g. "pods".
  bool namespaced = true;

  // "trainingruns.runledger.dev" or "pods", for messages.
  std::string Name() const;
  // e.g. "runledger.dev/v1alpha1" or "v1".
  std::string ApiVersion() const;
};

// Resources the operator itself uses.
namespace resources {
inline const Resource kPods{"", "v1", "pods", true};
inline const Resource kNamespaces{"", "v1", "namespaces", false};
inline const Resource kSecrets{"", "v1", "secrets", true};
inline const Resource kConfigMaps{"", "v1", "configmaps", true};
inline const Resource kJobs{"batch", "v1", "jobs", true};
inline const Resource kServiceAccounts{"", "v1", "serviceaccounts", true};
inline const Resource kEvents{"events.k8s.io", "v1", "events", true};
inline const Resource kLeases{"coordination.k8s.io", "v1", "leases", true};
inline const Resource kCustomResourceDefinitions{"apiextensions.k8s.io", "v1",
                                                 "customresourcedefinitions", false};
inline const Resource kExperiments{"runledger.dev", "v1alpha1", "experiments", true};
inline const Resource kTrainingRuns{"runledger.dev", "v1alpha1", "trainingruns", true};
inline const Resource kRetentionPolicies{"runledger.dev", "v1alpha1", "retentionpolicies", true};
}  // namespace resources

// The path of a collection: every object of `r` in `ns`, or in all namespaces
// when `ns` is empty (or `r` is cluster-scoped, where `ns` is ignored).
// Errors: InvalidArgument naming `ns` when it is not a valid path segment.
Result<std::string> CollectionPath(const Resource& r, std::string_view ns);

// The path of one object, optionally of its subresource ("status", or
// several segments such as "proxy/metrics"). `name` is required, and so is
// `ns` for a namespaced resource: without them the path would address a
// collection (a GET would list, a DELETE would delete them all).
// Errors: InvalidArgument naming the segment, as client-go refuses them: an
// empty name or namespace where one is required, ".", "..", or a segment
// holding '/' or '%'. Valid segments are percent-encoded.
Result<std::string> ObjectPath(const Resource& r, std::string_view ns, std::string_view name,
                               std::string_view subresource = "");

// OK when `segment` may be one segment of a path: not empty, not "." or
// "..", without '/' or '%'. `what` names it in the error, e.g. "name".
Status ValidatePathSegment(std::string_view what, std::string_view segment);

// Percent-encodes a query value (RFC 3986 unreserved characters are kept).
std::string QueryEscape(std::string_view value);

// "?k1=v1&k2=v2" from pairs whose value is not empty; "" when none is.
std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace runledger::kube
