#include "base/http_uri.h"

#include <arpa/inet.h>

#include <charconv>

namespace runledger {

Result<HttpUri> SplitHttpUri(std::string_view uri) {
  constexpr std::string_view kScheme = "http://";
  if (!uri.starts_with(kScheme)) return InvalidArgument("not http://");
  const std::string_view rest = uri.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  HttpUri out;
  out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (authority.find_first_of("?#") != std::string_view::npos ||
      out.path.find_first_of("?#") != std::string::npos) {
    return InvalidArgument("has a query or fragment");
  }
  if (authority.find('@') != std::string_view::npos) return InvalidArgument("has user info");

  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("an unclosed '['");
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return InvalidArgument("text after ']' that is not :PORT");
    }
    port = after.empty() ? "" : after.substr(1);
    if (after.size() == 1) return InvalidArgument("an empty port");
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return InvalidArgument("an empty port");
    }
    if (out.host.find(':') != std::string::npos) {
      return InvalidArgument("an IPv6 address without brackets");
    }
  }
  if (out.host.empty()) return InvalidArgument("no host");
  if (!port.empty()) {
    unsigned number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number == 0 || number > 65535) {
      return InvalidArgument("port \"" + std::string(port) + "\" is not 1-65535");
    }
    out.port = static_cast<uint16_t>(number);
  }
  return out;
}

bool IsNumericAddress(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string UriHost(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

}  // namespace runledger
