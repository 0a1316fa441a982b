#include "app/tracking_uri.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <memory>
#include <thread>

#include "base/http_uri.h"

namespace runledger::app {

Result<std::string> LookUpHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &raw); rc != 0) {
    return Unavailable("cannot resolve \"" + host + "\": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> info(raw, freeaddrinfo);
  const addrinfo* chosen = nullptr;
  for (const addrinfo* a = info.get(); a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      chosen = a;
      break;
    }
    if (a->ai_family == AF_INET6 && chosen == nullptr) chosen = a;
  }
  if (chosen == nullptr) return Unavailable("\"" + host + "\" has no IPv4 or IPv6 address");
  char text[INET6_ADDRSTRLEN] = {};
  const void* addr = chosen->ai_family == AF_INET
                         ? static_cast<const void*>(
                               &reinterpret_cast<const sockaddr_in*>(chosen->ai_addr)->sin_addr)
                         : static_cast<const void*>(
                               &reinterpret_cast<const sockaddr_in6*>(chosen->ai_addr)->sin6_addr);
  inet_ntop(chosen->ai_family, addr, text, sizeof text);
  return std::string(text);
}

Result<std::string> NumericTrackingUri(std::string_view uri, const HostLookup& lookup) {
  if (uri.empty()) return std::string();
  const std::string setting = "trackingUri (--tracking-uri) \"" + std::string(uri) + "\": ";
  Result<HttpUri> split = SplitHttpUri(uri);
  if (!split.ok()) {
    return InvalidArgument(setting + split.status().message() +
                           "; want http://HOST[:PORT][/PATH], e.g. "
                           "http://runledger.runledger-system.svc:5000");
  }
  std::string address = split->host;
  if (!IsNumericAddress(address)) {
    Result<std::string> found = lookup(address);
    if (!found.ok()) return Status(found.status().code(), setting + found.status().message());
    address = std::move(*found);
  }
  return "http://" + UriHost(address) + ":" + std::to_string(split->port ? split->port : 80) +
         split->path;
}

Result<std::string> ResolveTrackingUri(std::string_view uri, std::chrono::seconds patience,
                                       const HostLookup& lookup) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (true) {
    Result<std::string> numeric = NumericTrackingUri(uri, lookup);
    if (numeric.ok() || numeric.status().code() != Code::kUnavailable ||
        std::chrono::steady_clock::now() >= deadline) {
      return numeric;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace runledger::app
