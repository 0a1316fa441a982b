// Authorizer: who is calling the tracking API, and may they do this.
//
// Every request carries a bearer token (the mlflow client sends
// MLFLOW_TRACKING_TOKEN as "Authorization: Bearer <token>"). Two kinds:
//   - a run's token (the Secret the operator made for a TrainingRun;
//     status.tokenHash holds its SHA-256): it may write its run and the
//     runs nested under it (spec.parentRef, any depth), create runs nested
//     under them in the same experiment (an HPO loop inside one pod), and
//     read everything in its namespace;
//   - any other token is Kubernetes': TokenReview says who it is, and
//     SubjectAccessReview whether they may do the verb on trainingruns or
//     experiments (group runledger.dev) in that namespace: reads need get,
//     writes update, creations create.
// Answers are cached for cache_ttl (denials and failed reviews for a
// fifth of it), so a hot path authorised once costs a hash and a lookup.
//
// The caller's namespace (where names without one land): a run token's run
// namespace, a ServiceAccount's namespace, else default_namespace.
//
// Errors: Unauthenticated (no token, or one Kubernetes does not know),
// PermissionDenied (another run's token, or RBAC says no), Unavailable
// (the API server did not answer a review, or the catalog has not synced
// yet: 503, which the mlflow client and runledger-capture retry).
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "kube/client.h"
#include "tracking/catalog.h"

namespace runledger::tracking {

struct Caller {
  std::string token_hash;  // "sha256:<hex>"; the token itself is not kept.
  RunPtr run;              // Set when the token is a run's token.
  std::string username;    // From TokenReview; empty for a run token.
  nlohmann::json user;     // TokenReview's status.user (groups, uid, extra).
  std::string ns;          // The caller's namespace (see above).
};

enum class Verb { kGet, kList, kCreate, kUpdate };

class Authorizer {
 public:
  struct Options {
    std::string default_namespace = "default";
    std::chrono::seconds cache_ttl{30};
  };
  Authorizer(kube::Client& client, const Catalog& catalog, const Clock& clock, Options options);

  // From the Authorization header's value.
  Result<Caller> Authenticate(std::string_view authorization);
  // May `caller` write `run` (log, tag, update, delete)?
  Status CanWriteRun(const Caller& caller, const RunRecord& run);
  // May `caller` create a run in `ns`/`experiment_resource`, nested under
  // `parent` (null when not nested)?
  Status CanCreateRun(const Caller& caller, std::string_view ns,
                      std::string_view experiment_resource, const RunRecord* parent);
  // May `caller` do `verb` on `resource` ("trainingruns", "experiments") in `ns`?
  Status Can(const Caller& caller, Verb verb, std::string_view resource, std::string_view ns);

  static std::string TokenHash(std::string_view token);

 private:
  struct Review {
    Status status;  // OK: authenticated / allowed.
    nlohmann::json user;
    std::string ns;
    Clock::SteadyTime expires;
  };
  Result<Review> ReviewToken(const std::string& token, const std::string& hash);
  Status AccessReview(const Caller& caller, Verb verb, std::string_view resource,
                      std::string_view ns);
  // True when `run` is `ancestor` or nested under it.
  bool Descends(const RunRecord& run, const RunRecord& ancestor) const;
  Clock::SteadyTime ExpiryFor(const Status& s) const;

  kube::Client& client_;
  const Catalog& catalog_;
  const Clock& clock_;
  const Options options_;
  Mutex mu_;
  std::map<std::string, Review> tokens_ GUARDED_BY(mu_);  // By token hash.
  std::map<std::string, Review> access_ GUARDED_BY(mu_);  // By hash|verb|resource|ns.
};

}  // namespace runledger::tracking
