#include "tracking/auth.h"

#include <openssl/sha.h>

#include "base/encoding.h"
#include "kube/json_fields.h"

namespace runledger::tracking {
namespace {

using kube::ObjectField;
using kube::StringField;
using nlohmann::json;

const kube::Resource kTokenReviews{"authentication.k8s.io", "v1", "tokenreviews", false};
const kube::Resource kAccessReviews{"authorization.k8s.io", "v1", "subjectaccessreviews", false};
constexpr int kMaxNesting = 32;
constexpr size_t kMaxCacheEntries = 10000;

std::string_view VerbName(Verb v) {
  switch (v) {
    case Verb::kGet: return "get";
    case Verb::kList: return "list";
    case Verb::kCreate: return "create";
    case Verb::kUpdate: return "update";
  }
  return "get";
}

// The namespace of "system:serviceaccount:<ns>:<name>", else "".
std::string ServiceAccountNamespace(std::string_view username) {
  constexpr std::string_view prefix = "system:serviceaccount:";
  if (!username.starts_with(prefix)) return "";
  username.remove_prefix(prefix.size());
  const size_t colon = username.find(':');
  return colon == std::string_view::npos ? "" : std::string(username.substr(0, colon));
}

template <typename Map>
void Bound(Map& m) {
  if (m.size() > kMaxCacheEntries) m.clear();  // Rare; the next calls refill it.
}

}  // namespace

Authorizer::Authorizer(kube::Client& client, const Catalog& catalog, const Clock& clock,
                       Options options)
    : client_(client), catalog_(catalog), clock_(clock), options_(std::move(options)) {}

std::string Authorizer::TokenHash(std::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return "sha256:" +
         HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

Clock::SteadyTime Authorizer::ExpiryFor(const Status& s) const {
  return clock_.SteadyNow() + (s.ok() ? options_.cache_ttl : options_.cache_ttl / 5);
}

Result<Caller> Authorizer::Authenticate(std::string_view authorization) {
  constexpr std::string_view bearer = "Bearer ";
  if (authorization.size() <= bearer.size() || !authorization.starts_with(bearer)) {
    return Status(Code::kUnauthenticated,
                  "No bearer token: set MLFLOW_TRACKING_TOKEN to a run's token or a Kubernetes "
                  "ServiceAccount token.");
  }
  // Until both caches have listed everything, a run's token would look
  // unknown (and a retried batch would be refused for good): ask to retry.
  if (!catalog_.Synced()) {
    return Status(Code::kUnavailable,
                  "runledger is starting: its caches of TrainingRuns and Experiments are not "
                  "synced yet; retry shortly.");
  }
  Caller caller;
  const std::string token(authorization.substr(bearer.size()));
  caller.token_hash = TokenHash(token);
  if (RunPtr run = catalog_.RunByTokenHash(caller.token_hash)) {
    caller.ns = run->ns;
    caller.run = std::move(run);
    return caller;
  }
  ASSIGN_OR_RETURN(Review review, ReviewToken(token, caller.token_hash));
  RETURN_IF_ERROR(review.status);
  caller.user = review.user;
  caller.username = StringField(review.user, "username");
  caller.ns = review.ns.empty() ? options_.default_namespace : review.ns;
  return caller;
}

Result<Authorizer::Review> Authorizer::ReviewToken(const std::string& token,
                                                   const std::string& hash) {
  {
    MutexLock lock(mu_);
    if (auto it = tokens_.find(hash);
        it != tokens_.end() && it->second.expires > clock_.SteadyNow())
      return it->second;
  }
  json review = {{"apiVersion", "authentication.k8s.io/v1"},
                 {"kind", "TokenReview"},
                 {"spec", {{"token", token}}}};
  auto answer = client_.Create(kTokenReviews, "", review);
  if (!answer.ok()) {
    return Unavailable("cannot review the token with the Kubernetes API server: " +
                       answer.status().message());
  }
  const json& status = ObjectField(*answer, "status");
  Review r;
  if (kube::BoolField(status, "authenticated")) {
    r.user = ObjectField(status, "user");
    r.ns = ServiceAccountNamespace(StringField(r.user, "username"));
  } else {
    r.status = Status(Code::kUnauthenticated,
                      "The bearer token is neither a run's token nor one Kubernetes accepts.");
  }
  r.expires = ExpiryFor(r.status);
  MutexLock lock(mu_);
  Bound(tokens_);
  tokens_[hash] = r;
  return r;
}

Status Authorizer::AccessReview(const Caller& caller, Verb verb, std::string_view resource,
                                std::string_view ns) {
  const std::string key = caller.token_hash + "|" + std::string(VerbName(verb)) + "|" +
                          std::string(resource) + "|" + std::string(ns);
  {
    MutexLock lock(mu_);
    if (auto it = access_.find(key); it != access_.end() && it->second.expires > clock_.SteadyNow())
      return it->second.status;
  }
  // The token's review gave the user, groups and extra exactly as the API
  // server authenticated them: ask with them.
  const json& user = caller.user;
  json spec = {{"user", StringField(user, "username")},
               {"resourceAttributes",
                {{"namespace", ns},
                 {"verb", VerbName(verb)},
                 {"group", "runledger.dev"},
                 {"resource", resource}}}};
  if (user.contains("groups")) spec["groups"] = user["groups"];
  if (user.contains("uid")) spec["uid"] = user["uid"];
  if (user.contains("extra")) spec["extra"] = user["extra"];
  json sar = {{"apiVersion", "authorization.k8s.io/v1"},
              {"kind", "SubjectAccessReview"},
              {"spec", std::move(spec)}};
  auto answer = client_.Create(kAccessReviews, "", sar);
  if (!answer.ok()) return Unavailable("cannot review access: " + answer.status().message());
  Review r;
  if (!kube::BoolField(ObjectField(*answer, "status"), "allowed")) {
    r.status = Status(Code::kPermissionDenied,
                      "User '" + caller.username + "' may not " + std::string(VerbName(verb)) +
                          " " + std::string(resource) + ".runledger.dev in namespace '" +
                          std::string(ns) + "'.");
  }
  r.expires = ExpiryFor(r.status);
  MutexLock lock(mu_);
  Bound(access_);
  access_[key] = r;
  return r.status;
}

bool Authorizer::Descends(const RunRecord& run, const RunRecord& ancestor) const {
  if (run.ns != ancestor.ns) return false;
  if (run.run_id == ancestor.run_id) return true;
  std::string parent = run.parent_name;
  for (int depth = 0; depth < kMaxNesting && !parent.empty(); ++depth) {
    if (parent == ancestor.name) return true;
    RunPtr p = catalog_.RunByName(run.ns, parent);
    if (!p) return false;
    parent = p->parent_name;
  }
  return false;
}

Status Authorizer::CanWriteRun(const Caller& caller, const RunRecord& run) {
  if (caller.run) {
    if (Descends(run, *caller.run)) return Status::Ok();
    return Status(Code::kPermissionDenied, "The token of run '" + caller.run->run_id +
                                               "' may write only that run and "
                                               "the runs nested under it, not run '" +
                                               run.run_id + "'.");
  }
  return AccessReview(caller, Verb::kUpdate, "trainingruns", run.ns);
}

Status Authorizer::CanCreateRun(const Caller& caller, std::string_view ns,
                                std::string_view experiment_resource, const RunRecord* parent) {
  if (caller.run) {
    if (parent && Descends(*parent, *caller.run) && caller.run->ns == ns &&
        caller.run->experiment_ref == experiment_resource) {
      return Status::Ok();
    }
    return Status(Code::kPermissionDenied,
                  "A run's token may create only runs nested under its run (tag "
                  "mlflow.parentRunId) in its experiment.");
  }
  return AccessReview(caller, Verb::kCreate, "trainingruns", ns);
}

Status Authorizer::Can(const Caller& caller, Verb verb, std::string_view resource,
                       std::string_view ns) {
  if (caller.run) {
    if ((verb == Verb::kGet || verb == Verb::kList) && caller.run->ns == ns) return Status::Ok();
    return Status(Code::kPermissionDenied, "A run's token may read only in its namespace '" +
                                               caller.run->ns + "' and write only its runs.");
  }
  return AccessReview(caller, verb, resource, ns);
}

}  // namespace runledger::tracking
