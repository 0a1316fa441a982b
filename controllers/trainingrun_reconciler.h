// TrainingRunReconciler: the thin act step around DecideTrainingRun. It
// reads the run, its Experiment, Job and pods from the caches, performs the
// lookups the decision asks for (git revision, dataset fingerprint), then
// carries out the plan: token Secret, status (only when changed, with the
// resourceVersion read, so a stale cache gets Conflict and a retry), Job,
// events. The status written is the observed one with the plan's changes,
// so status.tracking, status.metrics and status.primaryMetric (the tracking
// API's) survive; a write of theirs in between is a Conflict, not a loss.
// A tracked run (no template) needs no lookups and gets none.
//
// Thread-safety: Reconcile may run on several workers at once (never for
// the same key: the work queue guarantees it).
// Lifetime: does not own anything in Deps; all must outlive it.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "controllers/trainingrun.h"
#include "kube/client.h"
#include "runtime/controller.h"
#include "runtime/events.h"
#include "runtime/informer.h"

namespace runledger::controllers {

// Cache index names the reconcilers rely on (see AddIndexes).
inline constexpr char kRunsByExperiment[] = "experiment";  // "ns/experimentRef"
inline constexpr char kPodsByRun[] = "run";                // "ns/<run label>"

// Adds the indexes above (and, for runs, the summary fields that scans over
// an Experiment's runs read); call before the informers start.
void AddRunIndexes(runtime::Cache& runs);
void AddPodIndexes(runtime::Cache& pods);

class TrainingRunReconciler {
 public:
  struct Deps {
    kube::Client& client;
    runtime::Informer& runs;
    runtime::Informer& experiments;
    runtime::Informer& jobs;
    runtime::Informer& pods;
    runtime::EventRecorder& events;
    const Clock& clock;
    TrainingRunConfig config;
    std::function<SourceLookup(const nlohmann::json& run)> resolve_source;
    std::function<DatasetLookup(const nlohmann::json& run)> resolve_dataset;
    std::function<std::string()> new_token;
    // Called right after a Job is created (tests use it to crash there).
    std::function<void()> after_job_created;
  };

  explicit TrainingRunReconciler(Deps deps) : d_(std::move(deps)) {}

  Result<runtime::Action> Reconcile(const runtime::ReconcileRequest& request);

  // Wires the controller's watches: runs, their Jobs and pods, and the
  // Experiments they wait for.
  void Watch(runtime::Controller& controller);

 private:
  Status CreateTokenSecret(const nlohmann::json& secret, nlohmann::json& status);
  Deps d_;
};

}  // namespace runledger::controllers
