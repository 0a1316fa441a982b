// known_hosts parsing and host key checks; see known_hosts.h.
#include "source/known_hosts.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

#include "base/encoding.h"

namespace runledger::source {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// OpenSSH's match_pattern: '*' any run, '?' any one character.
bool Glob(std::string_view pattern, std::string_view s) {
  if (pattern.empty()) return s.empty();
  if (pattern.front() == '*') {
    for (size_t i = 0; i <= s.size(); ++i) {
      if (Glob(pattern.substr(1), s.substr(i))) return true;
    }
    return false;
  }
  if (s.empty()) return false;
  if (pattern.front() != '?' && pattern.front() != s.front()) return false;
  return Glob(pattern.substr(1), s.substr(1));
}

// "|1|base64(salt)|base64(HMAC-SHA1(salt, name))"
bool HashedMatches(std::string_view pattern, const std::string& name) {
  std::string_view rest = pattern.substr(3);
  size_t bar = rest.find('|');
  if (bar == std::string_view::npos) return false;
  auto salt = DecodeBase64(rest.substr(0, bar));
  auto hash = DecodeBase64(rest.substr(bar + 1));
  if (!salt.ok() || !hash.ok()) return false;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha1(), salt->data(), static_cast<int>(salt->size()),
           reinterpret_cast<const unsigned char*>(name.data()), name.size(), mac,
           &mac_len) == nullptr) {
    return false;
  }
  return *hash == std::string_view(reinterpret_cast<char*>(mac), mac_len);
}

}  // namespace

Result<KnownHosts> KnownHosts::Parse(std::string_view text) {
  KnownHosts out;
  int line_number = 0;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::vector<std::string_view> fields = SplitFields(line);
    if (fields.empty() || fields.front().front() == '#') continue;
    Entry entry;
    if (fields.front().front() == '@') {
      if (fields.front() == "@cert-authority") continue;  // Not supported; see the header.
      if (fields.front() != "@revoked") {
        return InvalidArgument("known_hosts line " + std::to_string(line_number) +
                               ": unknown marker");
      }
      entry.revoked = true;
      fields.erase(fields.begin());
    }
    if (fields.size() < 3) {
      return InvalidArgument("known_hosts line " + std::to_string(line_number) +
                             ": expected hosts, key type and key");
    }
    std::string_view hosts = fields[0];
    while (!hosts.empty()) {
      size_t comma = hosts.find(',');
      std::string_view pattern = hosts.substr(0, comma);
      if (!pattern.empty()) {
        entry.patterns.push_back(pattern.starts_with("|1|") ? std::string(pattern)
                                                            : Lower(pattern));
      }
      hosts = comma == std::string_view::npos ? std::string_view() : hosts.substr(comma + 1);
    }
    auto key_blob = DecodeBase64(fields[2]);
    if (!key_blob.ok() || key_blob->empty()) {
      return InvalidArgument("known_hosts line " + std::to_string(line_number) +
                             ": the key is not base64");
    }
    entry.key_blob = std::move(*key_blob);
    out.entries_.push_back(std::move(entry));
  }
  return out;
}

bool KnownHosts::HostMatches(const Entry& entry, const std::string& name) const {
  bool matched = false;
  for (const std::string& pattern : entry.patterns) {
    if (pattern.starts_with("|1|")) {
      matched = matched || HashedMatches(pattern, name);
    } else if (pattern.front() == '!') {
      if (Glob(std::string_view(pattern).substr(1), name)) return false;  // Negation wins.
    } else {
      matched = matched || Glob(pattern, name);
    }
  }
  return matched;
}

HostKeyCheck KnownHosts::Check(std::string_view host, int port, std::string_view key_blob) const {
  std::string name =
      port == 22 || port == 0 ? Lower(host) : "[" + Lower(host) + "]:" + std::to_string(port);
  bool listed = false;
  bool matched = false;
  for (const Entry& entry : entries_) {
    if (!HostMatches(entry, name)) continue;
    if (entry.revoked) {
      if (entry.key_blob == key_blob) return HostKeyCheck::kRevoked;
      continue;
    }
    listed = true;
    if (entry.key_blob == key_blob) matched = true;
  }
  if (matched) return HostKeyCheck::kMatch;
  return listed ? HostKeyCheck::kMismatch : HostKeyCheck::kUnknown;
}

}  // namespace runledger::source
