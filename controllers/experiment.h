// Experiment: the decision. Given an Experiment and its TrainingRuns (from
// the cache's index of runs by experimentRef), compute its status: runs by
// phase, the best succeeded run by the primary metric and its goal, when a
// run last started or finished, and its conditions. Pure.
//
// bestRun {name, value, runId}: among Succeeded runs only (MLflow users
// expect the best finished run; a running run's value may still change and
// a failed run's is not a result), the best LastMetricValue per
// spec.primaryMetric.goal; a tie goes to the alphabetically first name; a
// run without a value is skipped; none: no bestRun. Runs deleted through
// the tracking API (status.tracking.lifecycleStage "deleted") are neither
// counted nor ranked: MLflow hides them.
//
// Experiment-level MLflow state (annotations runledger.dev/mlflow-tags and
// runledger.dev/lifecycle-stage, spec.displayName) belongs to the tracking
// API; the status computed here does not read or touch it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "base/clock.h"
#include "runtime/watcher.h"

namespace runledger::controllers {

struct ExperimentObserved {
  nlohmann::json experiment;
  // Shared, not copied: an Experiment may have tens of thousands of runs and
  // is decided again after every change to any of them.
  std::vector<runtime::ObjectPtr> runs;
  Clock::SystemTime now;
};

struct ExperimentPlan {
  std::optional<nlohmann::json> status;  // nullopt: unchanged.
};

ExperimentPlan DecideExperiment(const ExperimentObserved& observed);

// A run's last value of `metric`: status.primaryMetric when it names the
// metric, else status.metrics.<metric>.last; nullopt when never logged.
std::optional<double> LastMetricValue(const nlohmann::json& run, const std::string& metric);

// True when the run was deleted through the tracking API.
bool IsDeletedRun(const nlohmann::json& run);

}  // namespace runledger::controllers
