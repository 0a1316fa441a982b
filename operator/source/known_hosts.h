// KnownHosts: OpenSSH known_hosts lines, to check an SSH server's host key.
//
// Understood: plain host patterns with '*' and '?' wildcards and '!'
// negation, "[host]:port" for a port other than 22, hashed names
// ("|1|salt|hmac", as `ssh-keygen -H` writes), comments, and the @revoked
// marker. @cert-authority lines are skipped: host certificates are not
// supported (docs/source-resolution.md). Host names compare case-blind.
//
// Thread-safety: immutable after Parse; safe to share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runledger::source {

enum class HostKeyCheck {
  kMatch,     // A line for this host lists exactly this key.
  kMismatch,  // Lines for this host exist, none with this key.
  kUnknown,   // No line names this host.
  kRevoked,   // An @revoked line lists this key for this host.
};

class KnownHosts {
 public:
  // Errors: InvalidArgument naming the line number and what is wrong with
  // it (a missing field or a key that is not base64).
  static Result<KnownHosts> Parse(std::string_view text);

  // Checks `key_blob`, the server's public key in SSH wire format (what
  // libssh2_session_hostkey returns, and what the base64 field encodes),
  // for `host` reached on `port`.
  HostKeyCheck Check(std::string_view host, int port, std::string_view key_blob) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    bool revoked = false;
    std::vector<std::string> patterns;  // Lower-cased, or a "|1|" hash.
    std::string key_blob;
  };
  bool HostMatches(const Entry& entry, const std::string& name) const;

  std::vector<Entry> entries_;
};

}  // namespace runledger::source
