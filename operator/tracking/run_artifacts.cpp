#include "tracking/run_artifacts.h"

#include "store/artifact_layout.h"
#include "tracking/artifacts/artifact_path.h"
#include "tracking/error_json.h"
#include "tracking/records.h"

namespace runledger::tracking {
namespace {

// The last segment of RunArtifactPath.
constexpr std::string_view kRunRootSegment = "artifacts";

// Splits off the first '/'-separated segment of `path`.
std::string_view TakeSegment(std::string_view& path) {
  const size_t slash = path.find('/');
  std::string_view head = path.substr(0, slash);
  path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  return head;
}

Status NoSuchPath(std::string_view path) {
  return Status(Code::kNotFound,
                "No run's artifacts at '" + std::string(path) +
                    "': artifact paths are <experiment_id>/<run_id>/artifacts/...");
}

}  // namespace

RunArtifacts::RunArtifacts(const Catalog& catalog, Authorizer& auth,
                           store::ObjectStore& default_store, store::ObjectStores& stores)
    : catalog_(catalog), auth_(auth), default_store_(default_store), stores_(stores) {}

artifacts::ArtifactDeps RunArtifacts::Deps(uint64_t max_upload_bytes) {
  artifacts::ArtifactDeps deps;
  deps.authorize = [this](const http::Request& r, std::string_view path, artifacts::Access a) {
    return Authorize(r, path, a);
  };
  deps.resolve = [this](std::string_view path) { return Resolve(path); };
  deps.run_root = [this](std::string_view run_id) { return Root(run_id); };
  deps.max_upload_bytes = max_upload_bytes;
  return deps;
}

Result<RunArtifacts::Located> RunArtifacts::Locate(std::string_view path) const {
  std::string_view rest = path;
  const std::string_view experiment_id = TakeSegment(rest);
  const std::string_view run_id = TakeSegment(rest);
  if (TakeSegment(rest) != kRunRootSegment) return NoSuchPath(path);
  RunPtr run = catalog_.Run(run_id);
  if (!run || run->experiment_id != experiment_id) return NoSuchPath(path);
  return Located{std::move(run), std::string(rest)};
}

Result<store::ObjectStore*> RunArtifacts::StoreFor(const RunRecord& run) {
  ExperimentPtr experiment = catalog_.ExperimentByResource(run.ns, run.experiment_ref);
  if (!experiment || experiment->artifact_store.empty()) return &default_store_;
  const std::string& uri = experiment->artifact_store;
  auto opened = stores_.Get(uri);
  if (!opened.ok()) {
    return Status(Code::kFailedPrecondition, "The artifact store " + uri + " of Experiment " +
                                                 run.ns + "/" + run.experiment_ref +
                                                 " cannot be opened: " + opened.status().message());
  }
  return *opened;
}

Result<artifacts::Target> RunArtifacts::Resolve(std::string_view path) {
  ASSIGN_OR_RETURN(Located at, Locate(path));
  ASSIGN_OR_RETURN(store::ObjectStore * store, StoreFor(*at.run));
  std::string prefix = store::RunArtifactPrefix(at.run->ns, at.run->experiment_ref, at.run->run_id,
                                                store == &default_store_);
  prefix.pop_back();  // JoinArtifactPath puts the '/' back.
  return artifacts::Target{store, artifacts::JoinArtifactPath(prefix, at.rest)};
}

std::optional<http::Response> RunArtifacts::Authorize(const http::Request& request,
                                                      std::string_view path,
                                                      artifacts::Access access) {
  auto caller = auth_.Authenticate(request.Header("Authorization"));
  if (!caller.ok()) return MlflowError(caller.status());
  auto at = Locate(path);
  if (!at.ok()) return MlflowError(at.status());
  const Status allowed = access == artifacts::Access::kWrite
                             ? auth_.CanWriteRun(*caller, *at->run)
                             : auth_.Can(*caller, Verb::kGet, "trainingruns", at->run->ns);
  if (!allowed.ok()) return MlflowError(allowed);
  return std::nullopt;
}

Result<artifacts::RunRoot> RunArtifacts::Root(std::string_view run_id) const {
  RunPtr run = catalog_.Run(run_id);
  if (!run) return Status(Code::kNotFound, "Run '" + std::string(run_id) + "' not found");
  return artifacts::RunRoot{run->artifact_uri, RunArtifactPath(run->experiment_id, run->run_id)};
}

}  // namespace runledger::tracking
