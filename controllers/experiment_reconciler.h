// ExperimentReconciler: the thin act step around DecideExperiment. Reads the
// Experiment and its runs from the caches (runs through the by-experiment
// index, never a list call) and writes the status when it changed.
//
// The status is derived from the runs alone and this controller is its only
// writer, so it is replaced without a resourceVersion precondition (a JSON
// patch): a cache a moment behind its own last write costs no 409 and no
// retry. Every run change maps to its Experiment, so a thousand runs
// starting at once would mean a thousand status writes: writes to one
// Experiment are spaced by at least `min_write_interval`, a change inside it
// is decided and written when the interval ends (the counts lag by at most
// that much), so a busy Experiment costs one decision per interval, not one
// per run change.
//
// Thread-safety and lifetime as TrainingRunReconciler.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "base/mutex.h"
#include "controllers/experiment.h"
#include "kube/client.h"
#include "runtime/controller.h"
#include "runtime/informer.h"

namespace runledger::controllers {

class ExperimentReconciler {
 public:
  struct Deps {
    kube::Client& client;
    runtime::Informer& experiments;
    runtime::Informer& runs;  // With AddRunIndexes.
    const Clock& clock;
    std::chrono::milliseconds min_write_interval{1000};
  };
  explicit ExperimentReconciler(Deps deps) : d_(deps) {}

  Result<runtime::Action> Reconcile(const runtime::ReconcileRequest& request);
  // Experiments, and every run change mapped to its Experiment.
  void Watch(runtime::Controller& controller);

 private:
  Deps d_;
  Mutex mu_;
  std::map<std::string, Clock::SteadyTime> last_write_ GUARDED_BY(mu_);  // By key.
};

}  // namespace runledger::controllers
