// Parsing of git remote URLs; see git_url.h for the accepted forms.
#include "source/git_url.h"

#include <cctype>

namespace runledger::source {
namespace {

bool HasControlOrSpace(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status Bad(std::string_view url, std::string_view why) {
  return InvalidArgument("git URL '" + DisplayUrl(url) + "' " + std::string(why));
}

// Parses "host", "host:port", "[v6]" or "[v6]:port" into `out`.
Status ParseHostPort(std::string_view url, std::string_view hostport, GitUrl& out) {
  std::string_view port;
  bool has_port = false;
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) return Bad(url, "has an unclosed '[' in its host");
    out.host = std::string(hostport.substr(1, close - 1));
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Bad(url, "has characters after its IPv6 host");
      port = rest.substr(1);
      has_port = true;
    }
    for (char c : out.host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return Bad(url, "has an invalid IPv6 host");
      }
    }
  } else {
    size_t colon = hostport.find(':');
    out.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = hostport.substr(colon + 1);
      has_port = true;
    }
    for (char c : out.host) {
      if (!IsHostChar(c)) return Bad(url, "has an invalid character in its host");
    }
  }
  if (out.host.empty()) return Bad(url, "has no host");
  if (has_port) {
    if (port.empty() || port.size() > 5) return Bad(url, "has an invalid port");
    int value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return Bad(url, "has an invalid port");
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) return Bad(url, "has a port outside 1-65535");
    out.port = value;
  }
  return Status::Ok();
}

}  // namespace

int GitUrl::EffectivePort() const {
  if (port != 0) return port;
  switch (transport) {
    case Transport::kHttps: return 443;
    case Transport::kHttp: return 80;
    case Transport::kSsh: return 22;
  }
  return 0;
}

std::string DisplayUrl(std::string_view url) {
  std::string out;
  size_t scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string scheme = Lower(url.substr(0, scheme_end));
    size_t authority_begin = scheme_end + 3;
    size_t authority_end = url.find('/', authority_begin);
    if (authority_end == std::string_view::npos) authority_end = url.size();
    std::string_view authority = url.substr(authority_begin, authority_end - authority_begin);
    size_t at = authority.rfind('@');
    out = std::string(url.substr(0, authority_begin));
    if (at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      // An SSH login is an account name; anything after ':' may be a password.
      if (scheme == "ssh") out += std::string(userinfo.substr(0, userinfo.find(':'))) + "@";
      authority = authority.substr(at + 1);
    }
    out += std::string(authority);
    out += std::string(url.substr(authority_end));
  } else {
    size_t at = url.find('@');
    size_t colon = url.find(':');
    if (at != std::string_view::npos && colon != std::string_view::npos && colon < at) {
      // "user:secret@host:path": keep the user, drop the secret.
      out = std::string(url.substr(0, colon)) + std::string(url.substr(at));
    } else {
      out = std::string(url);
    }
  }
  // Never echo control characters into a log line or a condition message.
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

Result<GitUrl> ParseGitUrl(std::string_view url) {
  if (url.empty()) return InvalidArgument("git URL is empty");
  if (url.size() > 2048) return Bad(url.substr(0, 64), "is longer than 2048 characters");
  if (HasControlOrSpace(url)) return Bad(url, "contains whitespace or control characters");
  GitUrl out;
  out.display = DisplayUrl(url);
  size_t scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string scheme = Lower(url.substr(0, scheme_end));
    if (scheme == "https") {
      out.transport = GitUrl::Transport::kHttps;
    } else if (scheme == "http") {
      out.transport = GitUrl::Transport::kHttp;
    } else if (scheme == "ssh") {
      out.transport = GitUrl::Transport::kSsh;
    } else {
      return Bad(url, "has an unsupported scheme '" + scheme +
                          "': use https://, http://, ssh:// or git@host:path");
    }
    size_t authority_begin = scheme_end + 3;
    size_t authority_end = url.find('/', authority_begin);
    if (authority_end == std::string_view::npos || authority_end + 1 >= url.size()) {
      return Bad(url, "has no repository path");
    }
    std::string_view authority = url.substr(authority_begin, authority_end - authority_begin);
    size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      size_t colon = userinfo.find(':');
      if (colon != std::string_view::npos) {
        return Bad(url, "has a password in it: put credentials in the Secret instead");
      }
      out.user = std::string(userinfo);
      authority = authority.substr(at + 1);
    }
    RETURN_IF_ERROR(ParseHostPort(url, authority, out));
    out.path = std::string(url.substr(authority_end));
    return out;
  }
  // scp-like: [user@]host:path, where the ':' comes before any '/'.
  size_t colon = url.find(':');
  size_t slash = url.find('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && slash < colon)) {
    return Bad(url, "is not a URL: use https://, http://, ssh:// or git@host:path");
  }
  out.transport = GitUrl::Transport::kSsh;
  out.scp_like = true;
  std::string_view userhost = url.substr(0, colon);
  size_t at = userhost.find('@');
  if (at != std::string_view::npos) {
    out.user = std::string(userhost.substr(0, at));
    userhost = userhost.substr(at + 1);
  }
  if (userhost.empty()) return Bad(url, "has no host");
  for (char c : userhost) {
    if (!IsHostChar(c)) return Bad(url, "has an invalid character in its host");
  }
  out.host = std::string(userhost);
  out.path = std::string(url.substr(colon + 1));
  if (out.path.empty()) return Bad(url, "has no repository path");
  return out;
}

}  // namespace runledger::source
