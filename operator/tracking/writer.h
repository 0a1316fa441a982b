// Writer: every change the tracking API makes in Kubernetes, and nothing
// else. Runs created through the API become TrainingRuns without a
// workload; experiments become Experiments; a run's MLflow state (status,
// times, params, tags, name) is its status.tracking, written by merge patch
// of the status subresource; an experiment's MLflow-only state is in
// annotations (records.h).
//
// Every object a write returns goes to the catalog (Catalog::Observe), so
// the next read sees it.
//
// Concurrency: UpdateRun patches with the resourceVersion the decision was
// made on. If another writer came first (409), it re-reads the run and
// decides again, so two clients logging the same param with different
// values cannot both win.
//
// Errors: the API server's (NotFound, AlreadyExists, PermissionDenied for
// the operator's own RBAC, Unavailable); InvalidArgument from `decide`.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "kube/client.h"
#include "tracking/catalog.h"

namespace runledger::tracking {

struct NewRun {
  std::string ns;
  std::string experiment_resource;
  std::string run_name;  // Empty: "run-<hex>".
  std::string user_id;
  int64_t start_time_ms = 0;
  std::vector<std::pair<std::string, std::string>> tags;
  std::string parent_name;  // The parent TrainingRun, if nested.
};

// Where an experiment created through the API goes: "<namespace>/<name>"
// names a namespace and resource when both are DNS labels; any other name
// is a display name in the caller's namespace, beside a derived resource
// name (ResourceNameFor).
struct ExperimentPlace {
  std::string ns;
  std::string resource;
  std::string display_name;  // Empty when the name is "<ns>/<resource>".
};
ExperimentPlace PlaceExperiment(std::string_view mlflow_name, std::string_view caller_ns);

struct NewExperiment {
  ExperimentPlace place;
  std::string artifact_location;
  std::vector<std::pair<std::string, std::string>> tags;
};

class Writer {
 public:
  // Decides the change to a run's status.tracking from its current record:
  // fills `patch` (a JSON merge patch of status.tracking), or returns an
  // error to refuse. Called again if the run changed meanwhile.
  using Decide = std::function<Status(const RunRecord& current, nlohmann::json& patch)>;
  using DecideExperiment =
      std::function<Status(const ExperimentRecord& current, nlohmann::json& patch)>;

  Writer(kube::Client& client, Catalog& catalog) : client_(client), catalog_(catalog) {}

  Result<RunPtr> CreateRun(const NewRun& run);
  Result<RunPtr> UpdateRun(const RunRecord& run, const Decide& decide);
  // Merge-patches the run's status (outside status.tracking: the metric
  // summary) without a resourceVersion: these fields have one writer.
  Status PatchRunStatus(const RunRecord& run, const nlohmann::json& status_patch);

  Result<ExperimentPtr> CreateExperiment(const NewExperiment& experiment);
  // `decide` fills a merge patch of the whole Experiment (metadata.annotations,
  // spec.displayName).
  Result<ExperimentPtr> UpdateExperiment(const ExperimentRecord& experiment,
                                         const DecideExperiment& decide);

  // The resource name for an MLflow name: itself when it is a DNS label,
  // else a DNS label derived from it plus a hash of it (so two names that
  // derive alike still differ).
  static std::string ResourceNameFor(std::string_view mlflow_name);

 private:
  // The object after a patch, or as it is now when the patch met a
  // Conflict (conflict = true: decide again). Both are in the catalog.
  struct Patched {
    nlohmann::json object;
    bool conflict = false;
  };
  // A merge patch of `name` in `ns` carrying the resourceVersion its
  // decision was made on; after a Conflict the object is re-read, unless
  // `attempt` was the last one allowed (then the Conflict is the answer).
  Result<Patched> PatchUnlessChanged(Catalog::Kind kind, const std::string& ns,
                                     const std::string& name, const nlohmann::json& body,
                                     const std::string& subresource, int attempt);

  kube::Client& client_;
  Catalog& catalog_;
};

}  // namespace runledger::tracking
