// Catalog: the tracking API's view of every MLflow run and experiment,
// kept from the operator's caches of TrainingRuns and Experiments, so that
// runs/get, runs/search and the authorisation of a write never call the
// API server.
//
//   Catalog catalog;
//   catalog.Attach(runs_informer, experiments_informer);   // before Start
//   auto run = catalog.Run(run_id);                         // null if unknown
//   catalog.Observe(Kind::kRun, patched_object);            // read your writes
//
// Read-your-writes: the caches learn of a write when its watch event
// arrives, a moment after the write returned. A client that logs a param
// and reads the run at once must see it, so the API hands every object a
// write returns to Observe. Watch events and observed objects go through
// one rule: a newer resourceVersion replaces an older one, never the other
// way round (resourceVersions are etcd revisions; the API server documents
// them as opaque, so one that is not a number is always taken). A deleted
// run's id is remembered, so a late Observe cannot bring it back.
//
// The Default experiment (id "0") is per namespace: the Experiment
// "default" of the caller's namespace (records.h).
//
// Thread-safety: every method may be called from any thread. Records are
// immutable and shared; a reader keeps the one it got however the catalog
// changes.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/mutex.h"
#include "runtime/informer.h"
#include "tracking/run_record.h"

namespace runledger::tracking {

using RunPtr = std::shared_ptr<const RunRecord>;
using ExperimentPtr = std::shared_ptr<const ExperimentRecord>;

class Catalog {
 public:
  enum class Kind { kRun, kExperiment };

  // Feeds the catalog from both informers' changes. Call before they start.
  void Attach(runtime::Informer& runs, runtime::Informer& experiments);
  // True once both informers have listed everything.
  bool Synced() const;

  // An object this process just wrote (see above), or a watch event.
  void Observe(Kind kind, const nlohmann::json& object);
  void Forget(Kind kind, const nlohmann::json& object);

  RunPtr Run(std::string_view run_id) const;
  RunPtr RunByName(std::string_view ns, std::string_view name) const;
  // The run whose token hashes to `token_hash` ("sha256:<hex>"), if any.
  RunPtr RunByTokenHash(std::string_view token_hash) const;
  // Every run of the Experiment `ns`/`resource_name`, in no particular
  // order; never null. The list is built on the first call after one of
  // those runs changed and shared until the next change, so searching an
  // Experiment of 10,000 runs does not look each one up.
  using RunList = std::shared_ptr<const std::vector<RunPtr>>;
  RunList RunsOf(std::string_view ns, std::string_view resource_name) const;

  // "0" is the default experiment of `caller_ns`.
  ExperimentPtr Experiment(std::string_view experiment_id, std::string_view caller_ns) const;
  ExperimentPtr ExperimentByResource(std::string_view ns, std::string_view name) const;
  // By MLflow name, as clients look experiments up (mlflow.set_experiment):
  // a display name in `caller_ns`, then a resource name in `caller_ns`,
  // then "Default", then "<namespace>/<resource name>".
  ExperimentPtr ExperimentByName(std::string_view name, std::string_view caller_ns) const;
  std::vector<ExperimentPtr> Experiments() const;

 private:
  void PutRun(const nlohmann::json& object) EXCLUDES(mu_);
  void PutExperiment(const nlohmann::json& object) EXCLUDES(mu_);
  void EraseRunLockHeld(const RunRecord& run) REQUIRES(mu_);
  void EraseExperimentLockHeld(const ExperimentRecord& e) REQUIRES(mu_);
  // The experiment id of runs of `ns`/`ref` ("" while that Experiment is unknown).
  std::string ExperimentIdLockHeld(std::string_view ns, std::string_view ref) const REQUIRES(mu_);
  RunPtr WithExperimentLockHeld(RunPtr run) const REQUIRES(mu_);

  runtime::Informer* runs_informer_ = nullptr;
  runtime::Informer* experiments_informer_ = nullptr;

  mutable Mutex mu_;
  std::unordered_map<std::string, RunPtr> runs_ GUARDED_BY(mu_);               // By run id.
  std::map<std::string, std::string, std::less<>> run_names_ GUARDED_BY(mu_);  // ns/name → id.
  std::map<std::string, std::string, std::less<>> tokens_ GUARDED_BY(mu_);     // hash → id.
  struct ExperimentRuns {
    std::unordered_map<std::string, RunPtr> runs;  // By run id.
    RunList list;  // RunsOf's answer; null after a change until the next call.
  };
  // ns/experiment → its runs. Mutable: RunsOf fills in the lists.
  mutable std::map<std::string, ExperimentRuns, std::less<>> by_experiment_ GUARDED_BY(mu_);
  // Ids of deleted runs, newest last; the oldest are forgotten beyond
  // kDeletedRunsRemembered (a late Observe of one is seconds, not hours, late).
  std::unordered_set<std::string> deleted_runs_ GUARDED_BY(mu_);
  std::deque<std::string> deleted_order_ GUARDED_BY(mu_);
  static constexpr size_t kDeletedRunsRemembered = 100000;
  std::map<std::string, ExperimentPtr, std::less<>> experiments_
      GUARDED_BY(mu_);  // ns/name → record.
  std::map<std::string, std::string, std::less<>> experiment_ids_
      GUARDED_BY(mu_);  // id (not "0") → ns/name.
};

}  // namespace runledger::tracking
