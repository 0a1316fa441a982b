// Experiment: the decision. Given an Experiment and its TrainingRuns (from
// the cache's index of runs by experimentRef), compute its status: runs by
// phase, the best succeeded run by the primary metric and its goal, when a
// run last started or finished, and its conditions. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "base/clock.h"

namespace runledger::controllers {

struct ExperimentObserved {
  nlohmann::json experiment;
  std::vector<nlohmann::json> runs;
  Clock::SystemTime now;
};

struct ExperimentPlan {
  std::optional<nlohmann::json> status;  // nullopt: unchanged.
};

ExperimentPlan DecideExperiment(const ExperimentObserved& observed);

// A run's last value of `metric`: status.primaryMetric when it names the
// metric, else status.metrics.<metric>.last; nullopt when never logged.
std::optional<double> LastMetricValue(const nlohmann::json& run, const std::string& metric);

}  // namespace runledger::controllers
