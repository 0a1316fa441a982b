// GitUrl: a git remote address as users write it, checked and taken apart
// enough to connect, to check a host key and to be named in a message.
//
// Accepted forms (docs/source-resolution.md):
//   https://host[:port]/path      http://host[:port]/path
//   ssh://[user@]host[:port]/path git@host:org/repo.git (scp-like)
// Anything else (file://, git://, a local path, whitespace or control
// characters, an empty host or path) is InvalidArgument. An HTTP(S) URL with
// a password in it is refused too: credentials belong in a Secret, and the
// message never repeats the password.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger::source {

struct GitUrl {
  enum class Transport { kHttp, kHttps, kSsh };
  Transport transport = Transport::kHttps;
  bool scp_like = false;  // git@host:path
  std::string user;       // Login from the URL; empty if none.
  std::string host;       // Without IPv6 brackets.
  int port = 0;           // As written; 0 when the URL gives none.
  std::string path;       // As written after the host ("/org/repo.git" or "org/repo.git").
  // The URL for messages and logs: HTTP(S) userinfo removed entirely (a
  // token is often written as the user name); an SSH login name such as
  // "git" kept, since it is an account name, not a secret.
  std::string display;

  // The port a connection really uses: the URL's, else 443, 80 or 22.
  int EffectivePort() const;
};

// Parses and validates `url`. Errors: InvalidArgument naming the problem and
// the URL as DisplayUrl() shows it.
Result<GitUrl> ParseGitUrl(std::string_view url);

// `url` with any HTTP(S) userinfo removed, for messages about URLs that may
// not even parse. Never returns a password that was in `url`.
std::string DisplayUrl(std::string_view url);

}  // namespace runledger::source
