#include "app/s3_credentials.h"

#include <memory>

#include "base/encoding.h"
#include "base/mutex.h"
#include "kube/json_fields.h"

namespace runledger::app {

using nlohmann::json;
using store::s3::Credentials;

namespace {

// The cache shared by every copy of the returned function.
struct SecretCache {
  SecretCache(kube::Client& c, const Clock& k, std::string n, std::string s, std::chrono::seconds r)
      : client(c), clock(k), ns(std::move(n)), name(std::move(s)), refresh(r) {}

  kube::Client& client;
  const Clock& clock;
  const std::string ns, name;
  const std::chrono::seconds refresh;
  Mutex mu;
  std::optional<Credentials> last GUARDED_BY(mu);
  Clock::SteadyTime read_at GUARDED_BY(mu);  // Of `last`.
  Clock::SteadyTime tried_at GUARDED_BY(mu);
  Status error GUARDED_BY(mu);  // Of the last read, when it failed.

  std::string Which() const { return "the S3 credentials Secret " + ns + "/" + name; }

  Result<std::string> Key(const json& data, const char* key, bool required) const {
    const std::string encoded = kube::StringField(data, key);
    if (encoded.empty()) {
      if (!required) return std::string();
      return Status(Code::kFailedPrecondition, Which() + " has no key " + key);
    }
    auto decoded = DecodeBase64(encoded);
    if (!decoded.ok() || decoded->empty()) {
      return Status(Code::kFailedPrecondition,
                    Which() + ": key " + key + " is empty or not base64");
    }
    return *decoded;
  }

  Result<Credentials> Read() {
    auto secret = client.Get(kube::resources::kSecrets, ns, name);
    if (!secret.ok()) {
      return Status(Code::kFailedPrecondition,
                    Which() + " cannot be read: " + secret.status().message());
    }
    const json& data = kube::ObjectField(*secret, "data");
    Credentials c;
    ASSIGN_OR_RETURN(c.access_key_id, Key(data, "AWS_ACCESS_KEY_ID", true));
    ASSIGN_OR_RETURN(c.secret_access_key, Key(data, "AWS_SECRET_ACCESS_KEY", true));
    ASSIGN_OR_RETURN(std::string token, Key(data, "AWS_SESSION_TOKEN", false));
    if (!token.empty()) c.session_token = std::move(token);
    return c;
  }

  Result<Credentials> Get() EXCLUDES(mu) {
    MutexLock lock(mu);
    const auto now = clock.SteadyNow();
    const bool fresh = last && now - read_at < refresh;
    // After a failed read, the next waits a second: not one per request.
    const bool retry_due = error.ok() || now - tried_at >= std::chrono::seconds(1);
    if (!fresh && retry_due) {
      // Reads are rare (once per `refresh`), so holding the lock through
      // one keeps concurrent callers from all reading at once.
      tried_at = now;
      auto read = Read();
      if (read.ok()) {
        last = std::move(*read);
        read_at = now;
        error = Status();
      } else {
        error = read.status();
      }
    }
    if (last && now - read_at < refresh * 10) return *last;
    if (!error.ok()) return error;
    return Status(Code::kFailedPrecondition, Which() + " has not been read");
  }
};

}  // namespace

Result<CredentialsSource> SecretCredentials(kube::Client& client, const std::string& reference,
                                            const Clock& clock, std::chrono::seconds refresh) {
  const size_t slash = reference.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == reference.size() ||
      reference.find('/', slash + 1) != std::string::npos) {
    return InvalidArgument("--s3-credentials-secret: \"" + reference + "\" is not NAMESPACE/NAME");
  }
  auto cache = std::make_shared<SecretCache>(client, clock, reference.substr(0, slash),
                                             reference.substr(slash + 1), refresh);
  return CredentialsSource([cache] { return cache->Get(); });
}

}  // namespace runledger::app
