// RunArtifacts: where each run's artifacts live, and who may touch them —
// the run-aware half of the proxied-artifact endpoints (artifacts/ holds
// the run-blind half: paths, streaming, ranges).
//
// Clients see every run's artifacts under its artifact_uri,
// "mlflow-artifacts:/<experiment_id>/<run_id>/artifacts", and send them
// through the operator, so a pod needs no object-store credentials. The
// operator keeps them in the run's Experiment's spec.artifactStore, or
// else in its own object store under "artifacts/":
//
//   <store root>/<namespace>/<experiment resource>/<run_id>/<artifact path>
//
// (store/artifact_layout.h; retention reads the same layout)
// (the run id, not its name, so a run made again under an old name never
// sees its predecessor's files). A path that is not below a known run's
// root, or whose experiment id is not the run's, is 404
// RESOURCE_DOES_NOT_EXIST.
//
// Access as for the rest of the API (auth.h): reading needs get on
// trainingruns in the run's namespace (a run token reads its namespace);
// uploading and deleting need the right to write the run (its token, an
// ancestor's token, or update on trainingruns).
//
// Thread-safety: every method may be called from any thread. Stores named
// by spec.artifactStore are opened through `stores` on first use and kept.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/object_store.h"
#include "store/object_stores.h"
#include "tracking/artifacts/artifact_routes.h"
#include "tracking/auth.h"
#include "tracking/catalog.h"

namespace runledger::tracking {

class RunArtifacts {
 public:
  // `default_store` holds artifacts of runs whose Experiment names no
  // store; `stores` opens those that do. Both must outlive this object.
  RunArtifacts(const Catalog& catalog, Authorizer& auth, store::ObjectStore& default_store,
               store::ObjectStores& stores);

  // The callbacks for artifacts::RegisterArtifactRoutes; they refer to
  // this object, which must outlive the server.
  artifacts::ArtifactDeps Deps(uint64_t max_upload_bytes);

 private:
  struct Located {
    RunPtr run;
    std::string rest;  // The path below the run's "artifacts" root; "" for the root.
  };
  Result<Located> Locate(std::string_view path) const;
  Result<artifacts::Target> Resolve(std::string_view path);
  std::optional<http::Response> Authorize(const http::Request& request, std::string_view path,
                                          artifacts::Access access);
  Result<artifacts::RunRoot> Root(std::string_view run_id) const;
  Result<store::ObjectStore*> StoreFor(const RunRecord& run);

  const Catalog& catalog_;
  Authorizer& auth_;
  store::ObjectStore& default_store_;
  store::ObjectStores& stores_;
};

}  // namespace runledger::tracking
