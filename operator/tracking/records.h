// From Kubernetes objects to MLflow records: how a TrainingRun reads as an
// MLflow run and an Experiment as an MLflow experiment (docs/mlflow.md,
// "Mapping to Kubernetes").
//
// A run's MLflow state is status.tracking when the tracking API wrote it
// (runs created or updated through the API); a run applied with kubectl
// that never talked to the API reads from what the operator recorded:
// status.phase for the status, status.startTime/completionTime for times,
// spec.params and spec.tags. Both sources merge: spec params and tags stay,
// the API's are added. Provenance shows as MLflow's system tags
// (mlflow.source.git.commit, ...), so the MLflow UI shows the commit.
//
// The Experiment named "default" in a namespace is MLflow's Default
// experiment, id "0", in that namespace (clients expect it to exist).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tracking/run_record.h"

namespace runledger::tracking {

// The resource name of the Experiment that is MLflow's "Default".
inline constexpr std::string_view kDefaultExperimentResource = "default";
inline constexpr std::string_view kDefaultExperimentId = "0";
inline constexpr std::string_view kDefaultExperimentName = "Default";
// Annotations of Experiments carrying MLflow-only state.
inline constexpr const char* kExperimentTagsAnnotation = "runledger.dev/mlflow-tags";
inline constexpr const char* kLifecycleAnnotation = "runledger.dev/lifecycle-stage";

// The MLflow experiment id of an Experiment: "0" for "default", else its
// UID without dashes.
std::string ExperimentIdOf(const nlohmann::json& experiment);
// The MLflow name: spec.displayName when set, else "<namespace>/<name>";
// "Default" for the default experiment.
std::string ExperimentNameOf(const nlohmann::json& experiment);

ExperimentRecord ExperimentFromObject(const nlohmann::json& experiment);

// `experiment_id` is the id of the run's Experiment when known (the caller
// looks it up by spec.experimentRef); empty leaves status.experimentId's.
RunRecord RunFromObject(const nlohmann::json& run, std::string experiment_id = "");

// "<experiment_id>/<run_id>/artifacts": a run's artifact root below the
// proxied-artifact endpoints.
std::string RunArtifactPath(std::string_view experiment_id, std::string_view run_id);
// "mlflow-artifacts:/" + RunArtifactPath: where a run's artifacts are, as
// MLflow clients resolve it against the tracking URI. Always this, whatever
// status.tracking.artifactUri says: artifacts go through the operator.
std::string RunArtifactUri(std::string_view experiment_id, std::string_view run_id);
// The milliseconds since the epoch of an RFC 3339 time; nullopt if malformed.
std::optional<int64_t> MillisOf(std::string_view rfc3339);

}  // namespace runledger::tracking
