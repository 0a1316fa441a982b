// Route matching: exact before prefix, longest prefix first, then method.
#include "http/router.h"

#include <algorithm>
#include <set>

namespace runledger::http {

void Router::Add(Route route) {
  for (Route& r : routes_) {
    if (r.method == route.method && r.path == route.path && r.prefix == route.prefix) {
      r = std::move(route);
      return;
    }
  }
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  std::vector<const Route*> candidates;
  for (const Route& r : routes_) {
    if (r.prefix ? path.starts_with(r.path) : path == r.path) candidates.push_back(&r);
  }
  if (candidates.empty()) return {nullptr, 404, {}};
  // Exact first, then longer prefixes; stable keeps registration order otherwise.
  std::stable_sort(candidates.begin(), candidates.end(), [](const Route* a, const Route* b) {
    if (a->prefix != b->prefix) return !a->prefix;
    return a->path.size() > b->path.size();
  });
  for (const Route* r : candidates) {
    if (r->method == method) return {r, 200, {}};
  }
  if (method == "HEAD") {
    for (const Route* r : candidates) {
      if (r->method == "GET") return {r, 200, {}};
    }
  }
  std::set<std::string> methods;
  for (const Route* r : candidates) {
    methods.insert(r->method);
    if (r->method == "GET") methods.insert("HEAD");
  }
  Match m{nullptr, 405, {}};
  for (const std::string& s : methods) {
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += s;
  }
  return m;
}

}  // namespace runledger::http
