// Byte encodings every layer needs: hex for digests and tokens, base64 for
// Secret data, kubeconfig fields and known_hosts keys.
//
// Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger {

// Lowercase hex, two digits per byte.
std::string HexEncode(std::string_view bytes);

// Standard base64 (RFC 4648 alphabet), padded with '=': what Content-MD5
// and a Secret's data hold.
std::string EncodeBase64(std::string_view bytes);

// Decodes standard base64 (RFC 4648 alphabet). ASCII whitespace is ignored
// and padding is optional, but '=' may only end the text. InvalidArgument
// on any other character or a length no encoder produces.
Result<std::string> DecodeBase64(std::string_view in);

}  // namespace runledger
