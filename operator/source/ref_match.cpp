// MatchRevision and IsFullCommitSha: the pure part of revision resolution.
#include <algorithm>
#include <cctype>

#include "source/git.h"

namespace runledger::source {
namespace {

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

const RemoteRef* Find(const std::vector<RemoteRef>& refs, std::string_view name) {
  for (const RemoteRef& ref : refs) {
    if (ref.name == name) return &ref;
  }
  return nullptr;
}

std::string Quoted(std::string_view revision) {
  // Revisions come from a spec; keep control characters out of messages.
  std::string out(revision.substr(0, 255));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return "'" + out + "'";
}

}  // namespace

bool IsFullCommitSha(std::string_view s) { return s.size() == 40 && IsHex(s); }

Result<ResolvedRevision> MatchRevision(const std::vector<RemoteRef>& refs,
                                       std::string_view revision, std::string_view display_url) {
  std::string rev = revision.empty() ? "HEAD" : std::string(revision);
  std::vector<std::string> candidates;
  if (rev == "HEAD" || rev.starts_with("refs/")) candidates.push_back(rev);
  if (rev != "HEAD") {
    candidates.push_back("refs/" + rev);
    candidates.push_back("refs/heads/" + rev);
    candidates.push_back("refs/tags/" + rev);
  }
  std::vector<ResolvedRevision> found;
  for (const std::string& name : candidates) {
    const RemoteRef* ref = Find(refs, name);
    if (ref == nullptr) continue;
    // An annotated tag names a tag object; its "^{}" line names the commit.
    const RemoteRef* peeled = Find(refs, name + "^{}");
    ResolvedRevision r;
    r.commit = peeled != nullptr ? peeled->oid : ref->oid;
    std::transform(r.commit.begin(), r.commit.end(), r.commit.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    r.resolved_from = name == "HEAD" && !ref->symref_target.empty() ? ref->symref_target : name;
    found.push_back(std::move(r));
  }
  if (found.empty()) {
    if (IsHex(rev) && rev.size() >= 4 && rev.size() < 40) {
      return InvalidArgument("revision " + Quoted(rev) + " at " + std::string(display_url) +
                             " looks like a short commit SHA: give all 40 hex digits (a short "
                             "SHA cannot be resolved without cloning)");
    }
    return NotFound("no ref " + Quoted(rev) + " at " + std::string(display_url));
  }
  for (const ResolvedRevision& other : found) {
    if (other.commit != found.front().commit) {
      return InvalidArgument("revision " + Quoted(rev) + " at " + std::string(display_url) +
                             " is ambiguous: " + found.front().resolved_from + " and " +
                             other.resolved_from +
                             " name different commits; write the full ref name");
    }
  }
  if (!IsFullCommitSha(found.front().commit)) {
    return Internal("remote " + std::string(display_url) + " listed a malformed object id for " +
                    found.front().resolved_from);
  }
  return found.front();
}

}  // namespace runledger::source
