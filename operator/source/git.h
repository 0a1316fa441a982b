// Git revision resolution without a clone: what `git ls-remote` does.
//
// ResolveRevision connects to a remote (smart HTTP(S) or SSH, through
// libgit2), lists its refs and picks the commit a branch, tag or HEAD names.
// Nothing is fetched or written to disk. A full 40-hex commit is returned as
// given without any network traffic. docs/source-resolution.md describes the
// matching rules, the credential Secret and the cost.
//
// Thread-safety: every function is safe to call concurrently; libgit2 is
// initialised once, on first use.
// Secrets: GitCredentials never appear in a Status message or a log line;
// messages name the URL (HTTP(S) userinfo removed, see GitUrl::display) and
// the revision only.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runledger::source {

// From the Secret a TrainingRun references (docs/source-resolution.md).
struct GitCredentials {
  // HTTP(S) basic auth. A token alone goes in `password` with `username`
  // empty: it is then sent as user "x-access-token" (GitHub's convention;
  // GitLab, Gitea and Bitbucket accept any user name with a token).
  std::string username;
  std::string password;
  // SSH: a private key in PEM or OpenSSH form, unencrypted. The login is the
  // URL's user ("git" in git@host:org/repo.git), else `username`, else "git".
  std::string ssh_private_key;
  // known_hosts lines (plain or hashed host names, [host]:port). When set,
  // the server's host key must match one of them; when empty, libgit2's own
  // check against $HOME/.ssh/known_hosts applies (an unknown host fails).
  std::string ssh_known_hosts;

  bool empty() const {
    return username.empty() && password.empty() && ssh_private_key.empty() &&
           ssh_known_hosts.empty();
  }
};

struct ResolvedRevision {
  std::string commit;         // 40 lower-case hex digits.
  std::string resolved_from;  // The ref that matched, e.g. "refs/heads/main";
                              // for a full SHA, the SHA itself.
};

// Resolves `revision` at `url`: a branch, a tag (annotated tags are peeled
// to their commit), "HEAD" or empty (the remote's default branch), a full
// ref name ("refs/heads/x", "refs/pull/1/head"), or a full 40-hex commit
// (returned, lower-cased, without contacting the remote).
//
// `timeout` bounds the whole call: name lookup, connect, TLS or SSH
// handshake, authentication and the ref listing (see
// docs/source-resolution.md for how).
//
// Errors:
//   InvalidArgument   a malformed or unsupported URL; a short or otherwise
//                     unlisted hex revision (a short SHA cannot be resolved
//                     without a clone); an ambiguous name (a branch and a tag
//                     with different commits).
//   NotFound          "no ref 'x' at <url>", or no repository at <url>.
//   Unauthenticated   "credentials rejected by <url>" or credentials needed
//                     and none given.
//   Unavailable       "cannot reach <url>: ..." (DNS, refused, reset, TLS,
//                     an unknown or mismatched SSH host key, a 5xx answer).
//   DeadlineExceeded  "no answer from <url> within <timeout>".
//   Unimplemented     an ssh URL when libgit2 was built without SSH.
Result<ResolvedRevision> ResolveRevision(std::string_view url, std::string_view revision,
                                         const GitCredentials& credentials,
                                         std::chrono::seconds timeout);

// True for exactly 40 hex digits (either case).
bool IsFullCommitSha(std::string_view s);

// One line of a ref listing, as `git ls-remote` prints it: peeled tags appear
// a second time as "<name>^{}" with the commit's id.
struct RemoteRef {
  std::string name;           // "HEAD", "refs/heads/main", "refs/tags/v1^{}"
  std::string oid;            // 40 hex
  std::string symref_target;  // For HEAD, the branch it points at, if told.
};

// The pure half of ResolveRevision: picks `revision` from `refs` (listed at
// `display_url`, used only in messages). Candidates, like git's rules:
// the name itself if it is "HEAD" or starts with "refs/", then refs/<rev>,
// refs/heads/<rev>, refs/tags/<rev>; each is peeled through its "^{}" entry
// when there is one. Several candidates naming different commits is
// ambiguous (InvalidArgument: write the full ref name); otherwise the first
// that exists wins. Empty `revision` means HEAD.
Result<ResolvedRevision> MatchRevision(const std::vector<RemoteRef>& refs,
                                       std::string_view revision, std::string_view display_url);

}  // namespace runledger::source
