#include "kube/resource.h"

namespace runledger::kube {

std::string Resource::Name() const { return group.empty() ? resource : resource + "." + group; }

std::string Resource::ApiVersion() const { return group.empty() ? version : group + "/" + version; }

namespace {

std::string GroupVersionPath(const Resource& r) {
  return r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
}

}  // namespace

Status ValidatePathSegment(std::string_view what, std::string_view segment) {
  auto invalid = [&](std::string_view why) {
    return InvalidArgument(std::string(what) + " \"" + std::string(segment) +
                           "\" is not a valid path segment: " + std::string(why));
  };
  if (segment.empty()) return InvalidArgument(std::string(what) + " is empty");
  if (segment == "." || segment == "..") return invalid("may not be '.' or '..'");
  if (segment.find('/') != std::string_view::npos) return invalid("may not contain '/'");
  if (segment.find('%') != std::string_view::npos) return invalid("may not contain '%'");
  return Status();
}

Result<std::string> CollectionPath(const Resource& r, std::string_view ns) {
  std::string path = GroupVersionPath(r);
  if (r.namespaced && !ns.empty()) {
    RETURN_IF_ERROR(ValidatePathSegment("namespace", ns).WithContext(r.Name()));
    path += "/namespaces/";
    path += QueryEscape(ns);
  }
  path += "/" + r.resource;
  return path;
}

Result<std::string> ObjectPath(const Resource& r, std::string_view ns, std::string_view name,
                               std::string_view subresource) {
  if (r.namespaced && ns.empty()) {
    return InvalidArgument(r.Name() + ": namespace is empty (required for a namespaced object)");
  }
  ASSIGN_OR_RETURN(std::string path, CollectionPath(r, ns));
  RETURN_IF_ERROR(ValidatePathSegment("name", name).WithContext(r.Name()));
  path += "/";
  path += QueryEscape(name);
  if (subresource.empty()) return path;
  // Each segment of the subresource is checked and escaped on its own.
  std::string_view rest = subresource;
  while (true) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    RETURN_IF_ERROR(
        ValidatePathSegment("subresource segment", segment)
            .WithContext(r.Name() + " subresource \"" + std::string(subresource) + "\""));
    path += "/";
    path += QueryEscape(segment);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return path;
}

std::string QueryEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    out += out.empty() ? '?' : '&';
    out += key;
    out += '=';
    out += QueryEscape(value);
  }
  return out;
}

}  // namespace runledger::kube
