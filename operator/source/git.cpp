// ResolveRevision: list a remote's refs with libgit2 and match the revision.
#include "source/git.h"

#include <git2.h>

#include <cctype>
#include <memory>
#include <mutex>
#include <optional>

#include "source/deadline_stream.h"
#include "source/git_url.h"
#include "source/known_hosts.h"

namespace runledger::source {
namespace {

// The user name sent with a token that comes without one (see git.h).
constexpr char kTokenUser[] = "x-access-token";

// libgit2 is initialised once per process and never shut down: shutting it
// down while another thread resolves would pull state from under it.
const Status& InitLibgit2() {
  static const Status* status = [] {
    if (git_libgit2_init() < 0) {
      const git_error* e = git_error_last();
      return new Status(Internal(std::string("cannot initialise libgit2: ") +
                                 (e != nullptr ? e->message : "unknown error")));
    }
    if ((git_libgit2_features() & GIT_FEATURE_THREADS) == 0) {
      return new Status(Internal("libgit2 was built without thread support"));
    }
    git_libgit2_opts(GIT_OPT_SET_USER_AGENT, "runledger");
    return new Status(internal::RegisterDeadlineStream());
  }();
  return *status;
}

// What the callbacks saw, to turn libgit2's error into one with a meaning.
struct CallState {
  const GitUrl* url = nullptr;
  const GitCredentials* credentials = nullptr;
  const KnownHosts* known_hosts = nullptr;  // Null: libgit2's own check.
  internal::CallDeadline* deadline = nullptr;
  int credential_attempts = 0;
  bool username_sent = false;
  bool no_credentials = false;
  bool credentials_rejected = false;
  std::optional<Status> callback_error;  // A precise error a callback decided.
};

std::string SshLogin(const CallState& state, const char* username_from_url) {
  if (username_from_url != nullptr && *username_from_url != '\0') return username_from_url;
  if (!state.credentials->username.empty()) return state.credentials->username;
  return "git";
}

int OnCredentials(git_credential** out, const char* /*url*/, const char* username_from_url,
                  unsigned int allowed_types, void* payload) {
  auto& state = *static_cast<CallState*>(payload);
  const GitCredentials& creds = *state.credentials;
  if (state.deadline->expired()) return GIT_EUSER;
  // SSH without a user in the URL first asks for the login alone.
  if ((allowed_types & GIT_CREDENTIAL_USERNAME) != 0 && !state.username_sent) {
    state.username_sent = true;
    return git_credential_username_new(out, SshLogin(state, username_from_url).c_str());
  }
  // A second request for credentials means the first were refused.
  if (++state.credential_attempts > 1) {
    state.credentials_rejected = true;
    return GIT_EUSER;
  }
  if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 &&
      state.url->transport != GitUrl::Transport::kSsh) {
    if (creds.password.empty() && creds.username.empty()) {
      state.no_credentials = true;
      return GIT_EUSER;
    }
    std::string user = creds.username.empty() ? kTokenUser : creds.username;
    return git_credential_userpass_plaintext_new(out, user.c_str(), creds.password.c_str());
  }
  if ((allowed_types & (GIT_CREDENTIAL_SSH_KEY | GIT_CREDENTIAL_SSH_MEMORY)) != 0) {
    if (creds.ssh_private_key.empty()) {
      state.no_credentials = true;
      return GIT_EUSER;
    }
    if ((allowed_types & GIT_CREDENTIAL_SSH_MEMORY) == 0) {
      state.callback_error = Status(Code::kUnimplemented,
                                    "libgit2 was built without in-memory SSH keys; cannot use the "
                                    "ssh-privatekey for " +
                                        state.url->display);
      return GIT_EUSER;
    }
    int rc = git_credential_ssh_key_memory_new(out, SshLogin(state, username_from_url).c_str(),
                                               nullptr, creds.ssh_private_key.c_str(), nullptr);
    if (rc != 0) {
      state.callback_error =
          Status(Code::kUnimplemented,
                 "libgit2 cannot use an in-memory SSH key for " + state.url->display);
      return GIT_EUSER;
    }
    return 0;
  }
  state.no_credentials = true;
  return GIT_EUSER;
}

int OnCertificate(git_cert* cert, int valid, const char* /*host*/, void* payload) {
  auto& state = *static_cast<CallState*>(payload);
  if (state.deadline->expired()) return GIT_EUSER;
  const std::string& host = state.url->host;
  if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
    if (state.known_hosts == nullptr) {
      if (!valid) {
        state.callback_error =
            Unavailable("cannot reach " + state.url->display + ": the SSH host key of " + host +
                        " is not in $HOME/.ssh/known_hosts; give known_hosts in the Secret");
      }
      return GIT_PASSTHROUGH;
    }
    const auto* hostkey = reinterpret_cast<const git_cert_hostkey*>(cert);
    if ((hostkey->type & GIT_CERT_SSH_RAW) == 0) {
      state.callback_error = Unavailable("cannot reach " + state.url->display +
                                         ": the server's raw host key is not available");
      return GIT_ECERTIFICATE;
    }
    std::string_view blob(hostkey->hostkey, hostkey->hostkey_len);
    switch (state.known_hosts->Check(host, state.url->EffectivePort(), blob)) {
      case HostKeyCheck::kMatch: return 0;
      case HostKeyCheck::kMismatch:
        state.callback_error =
            Unavailable("cannot reach " + state.url->display + ": the SSH host key of " + host +
                        " does not match known_hosts");
        break;
      case HostKeyCheck::kUnknown:
        state.callback_error = Unavailable("cannot reach " + state.url->display + ": " + host +
                                           " is not listed in known_hosts");
        break;
      case HostKeyCheck::kRevoked:
        state.callback_error =
            Unavailable("cannot reach " + state.url->display + ": the SSH host key of " + host +
                        " is revoked in known_hosts");
        break;
    }
    return GIT_ECERTIFICATE;
  }
  if (!valid) {
    state.callback_error = Unavailable("cannot reach " + state.url->display +
                                       ": the TLS certificate of " + host + " is not trusted");
  }
  return GIT_PASSTHROUGH;  // libgit2's verification against the system CAs.
}

// Replaces every occurrence of `secret` in `text`.
void Redact(std::string& text, const std::string& secret) {
  if (secret.size() < 3) return;  // Too short to be a secret worth matching.
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "[redacted]");
  }
}

// libgit2's last error message with anything secret removed.
std::string LastErrorMessage(std::string_view raw_url, const GitUrl& url,
                             const GitCredentials& creds) {
  const git_error* e = git_error_last();
  std::string message = e != nullptr && e->message != nullptr ? e->message : "unknown error";
  for (size_t at = message.find(raw_url); !raw_url.empty() && at != std::string::npos;
       at = message.find(raw_url, at + url.display.size())) {
    message.replace(at, raw_url.size(), url.display);
  }
  Redact(message, creds.password);
  Redact(message, creds.ssh_private_key);
  if (!url.user.empty() && url.transport != GitUrl::Transport::kSsh) Redact(message, url.user);
  return message;
}

Status ClassifyFailure(const CallState& state, std::string_view raw_url,
                       std::chrono::seconds timeout) {
  const GitUrl& url = *state.url;
  if (state.deadline->expired()) {
    return DeadlineExceeded("no answer from " + url.display + " within " +
                            std::to_string(timeout.count()) + "s");
  }
  if (state.callback_error) return *state.callback_error;
  if (state.credentials_rejected) {
    return Status(Code::kUnauthenticated, "credentials rejected by " + url.display);
  }
  if (state.no_credentials) {
    return Status(Code::kUnauthenticated,
                  url.display + " requires credentials and the Secret has none for it");
  }
  std::string message = LastErrorMessage(raw_url, url, *state.credentials);
  const git_error* e = git_error_last();
  int klass = e != nullptr ? e->klass : GIT_ERROR_NONE;
  if (klass == GIT_ERROR_HTTP) {
    if (message.find("401") != std::string::npos) {
      return Status(Code::kUnauthenticated, "credentials rejected by " + url.display);
    }
    if (message.find("403") != std::string::npos) {
      return Status(Code::kPermissionDenied, "access to " + url.display + " denied");
    }
    if (message.find("404") != std::string::npos) {
      return NotFound("no repository at " + url.display);
    }
  }
  return Unavailable("cannot reach " + url.display + ": " + message);
}

struct RemoteDeleter {
  void operator()(git_remote* r) const { git_remote_free(r); }
};

}  // namespace

Result<ResolvedRevision> ResolveRevision(std::string_view url, std::string_view revision,
                                         const GitCredentials& credentials,
                                         std::chrono::seconds timeout) {
  ASSIGN_OR_RETURN(GitUrl parsed, ParseGitUrl(url));
  if (IsFullCommitSha(revision)) {
    ResolvedRevision r;
    r.commit = std::string(revision);
    for (char& c : r.commit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.resolved_from = std::string(revision);
    return r;
  }
  if (timeout.count() <= 0) return InvalidArgument("git resolution timeout must be positive");
  RETURN_IF_ERROR(InitLibgit2());
  if (parsed.transport == GitUrl::Transport::kSsh &&
      (git_libgit2_features() & GIT_FEATURE_SSH) == 0) {
    return Status(Code::kUnimplemented,
                  "libgit2 was built without SSH; cannot reach " + parsed.display);
  }
  std::optional<KnownHosts> known_hosts;
  if (!credentials.ssh_known_hosts.empty()) {
    Result<KnownHosts> k = KnownHosts::Parse(credentials.ssh_known_hosts);
    if (!k.ok()) return k.status().WithContext("the Secret's known_hosts for " + parsed.display);
    known_hosts = std::move(k).value();
  }

  internal::CallDeadline deadline(std::chrono::steady_clock::now() + timeout);
  internal::ScopedCallDeadline scope(&deadline);
  CallState state;
  state.url = &parsed;
  state.credentials = &credentials;
  state.known_hosts = known_hosts ? &*known_hosts : nullptr;
  state.deadline = &deadline;

  std::vector<RemoteRef> refs;
  {
    git_remote* raw = nullptr;
    std::string url_string(url);
    if (git_remote_create_detached(&raw, url_string.c_str()) != 0) {
      return InvalidArgument("git URL '" + parsed.display +
                             "' is not usable: " + LastErrorMessage(url, parsed, credentials));
    }
    std::unique_ptr<git_remote, RemoteDeleter> remote(raw);
    git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
    callbacks.credentials = OnCredentials;
    callbacks.certificate_check = OnCertificate;
    callbacks.payload = &state;
    if (git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr) != 0) {
      return ClassifyFailure(state, url, timeout);
    }
    const git_remote_head** heads = nullptr;
    size_t count = 0;
    if (git_remote_ls(&heads, &count, remote.get()) != 0) {
      return ClassifyFailure(state, url, timeout);
    }
    refs.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      RemoteRef ref;
      ref.name = heads[i]->name;
      char oid[GIT_OID_HEXSZ + 1];
      git_oid_tostr(oid, sizeof(oid), &heads[i]->oid);
      ref.oid = oid;
      if (heads[i]->symref_target != nullptr) ref.symref_target = heads[i]->symref_target;
      refs.push_back(std::move(ref));
    }
    git_remote_disconnect(remote.get());
  }
  return MatchRevision(refs, revision, parsed.display);
}

}  // namespace runledger::source
