// http:// URIs as the tracking URI is written: http://HOST[:PORT][/PATH],
// HOST a name, an IPv4 address or an IPv6 address in brackets. The operator
// (which resolves a name in it) and runledger-capture (which accepts only a
// numeric host) split it with the same rules.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger {

struct HttpUri {
  std::string host;   // Without brackets.
  uint16_t port = 0;  // 0: none written.
  std::string path;   // "" or from its '/' on, as written.
};

// InvalidArgument saying what is wrong for another scheme, user info, a
// query or fragment, an empty host, an IPv6 address without brackets (its
// last group cannot be told from a port) or a port outside 1-65535.
Result<HttpUri> SplitHttpUri(std::string_view uri);

// An IPv4 or IPv6 address in text, not a name.
bool IsNumericAddress(const std::string& host);

// `host` as a URI writes it: an IPv6 address in brackets.
std::string UriHost(const std::string& host);

}  // namespace runledger
