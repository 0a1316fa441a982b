// Router: picks the route for a method and path.
//
// Routes are exact ("/metrics") or prefix ("/api/2.0/mlflow/"). For a path,
// the candidates are the exact routes for it, then the prefix routes that
// it starts with, longest prefix first; the first candidate with the
// request's method wins (HEAD also matches GET routes). A path with
// candidates but none for the method is 405, and Allow lists every method
// the candidates accept; a path with no candidates is 404.
//
// Thread-safety: Add is not thread-safe; Find is, once no Add runs (the
// Server adds all routes before it starts).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace runledger::http {

struct Route {
  std::string method;
  std::string path;  // The exact path, or the prefix.
  bool prefix = false;
  Handler handler;               // Set for a buffered route...
  StreamHandler stream_handler;  // ...or this for a streamed one.
  RouteOptions options;
};

class Router {
 public:
  struct Match {
    const Route* route = nullptr;  // Null when status is 404 or 405.
    int status = 200;
    std::string allow;  // For 405: "GET, HEAD, POST".
  };

  // A later route with the same method, path and kind replaces the earlier one.
  void Add(Route route);
  Match Find(std::string_view method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace runledger::http
