// ExperimentReconciler: the thin act step around DecideExperiment. Reads the
// Experiment and its runs from the caches (runs through the by-experiment
// index, never a list call) and writes the status when it changed.
//
// Thread-safety and lifetime as TrainingRunReconciler.
#pragma once

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
  };
  explicit ExperimentReconciler(Deps deps) : d_(deps) {}

  Result<runtime::Action> Reconcile(const runtime::ReconcileRequest& request);
  // Experiments, and every run change mapped to its Experiment.
  void Watch(runtime::Controller& controller);

 private:
  Deps d_;
};

}  // namespace runledger::controllers
