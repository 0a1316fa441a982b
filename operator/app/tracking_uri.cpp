#include "app/tracking_uri.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <charconv>
#include <memory>
#include <thread>

namespace runledger::app {
namespace {

bool IsNumeric(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string Bracketed(const std::string& address) {
  return address.find(':') == std::string::npos ? address : "[" + address + "]";
}

}  // namespace

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
  const auto invalid = [&] {
    return InvalidArgument("trackingUri (--tracking-uri) \"" + std::string(uri) +
                           "\": want http://HOST[:PORT][/PATH] (an IPv6 address in brackets, "
                           "no query), e.g. http://runledger.runledger-system.svc:5000");
  };
  constexpr std::string_view kScheme = "http://";
  if (!uri.starts_with(kScheme)) return invalid();
  const std::string_view rest = uri.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  // runledger-capture refuses a query or fragment: refuse it here, at start.
  if (authority.find('@') != std::string_view::npos ||
      path.find_first_of("?#") != std::string_view::npos) {
    return invalid();
  }

  std::string host;
  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid();
    host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return invalid();
    port = after.empty() ? "" : after.substr(1);
  } else {
    const size_t colon = authority.rfind(':');
    host = std::string(authority.substr(0, colon));
    port = colon == std::string_view::npos ? "" : authority.substr(colon + 1);
    // An IPv6 address without brackets cannot be told from its port.
    if (host.find(':') != std::string::npos) return invalid();
  }
  unsigned number = 80;
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size()) return invalid();
  }
  if (host.empty() || number == 0 || number > 65535) return invalid();

  std::string address = host;
  if (!IsNumeric(host)) {
    Result<std::string> found = lookup(host);
    if (!found.ok()) {
      return Status(found.status().code(), "trackingUri (--tracking-uri) \"" + std::string(uri) +
                                               "\": " + found.status().message());
    }
    address = std::move(*found);
  }
  return std::string(kScheme) + Bracketed(address) + ":" + std::to_string(number) +
         std::string(path);
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
