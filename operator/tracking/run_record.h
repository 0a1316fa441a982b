// RunRecord and ExperimentRecord: what the tracking API knows of one MLflow
// run or experiment, in MLflow's terms, as plain values.
//
// The run catalog (run_catalog.h) builds them from the operator's cache of
// TrainingRuns and Experiments; search (search/) filters and orders them;
// mlflow_json.h renders them as MLflow's JSON. Metrics are not here: their
// latest values come from the metric store at the time of the request.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace runledger::tracking {

// MLflow run statuses, spelled as MLflow's JSON spells them.
inline constexpr const char* kRunning = "RUNNING";
inline constexpr const char* kScheduled = "SCHEDULED";
inline constexpr const char* kFinished = "FINISHED";
inline constexpr const char* kFailed = "FAILED";
inline constexpr const char* kKilled = "KILLED";
// Lifecycle stages.
inline constexpr const char* kActive = "active";
inline constexpr const char* kDeleted = "deleted";

struct RunRecord {
  std::string run_id;         // 32 lowercase hex digits (the TrainingRun's UID).
  std::string experiment_id;  // "0" for Default, else the Experiment's UID hex.
  std::string run_name;       // MLflow's run name (tag mlflow.runName).
  std::string user_id;
  std::string status = kRunning;  // kRunning, kScheduled, kFinished, kFailed, kKilled.
  int64_t start_time_ms = 0;
  std::optional<int64_t> end_time_ms;
  std::string lifecycle_stage = kActive;
  std::string artifact_uri;  // e.g. "mlflow-artifacts:/<experiment_id>/<run_id>/artifacts".
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> tags;  // Including mlflow.* system tags.
  // The TrainingRun behind the run.
  std::string ns;
  std::string name;
  std::string experiment_ref;  // spec.experimentRef: the Experiment's resource name.
  std::string parent_name;     // spec.parentRef: the parent TrainingRun's name, if any.
  std::string token_hash;      // status.tokenHash: "sha256:<hex>" of the run's token, if any.
  std::string resource_version;
};

struct ExperimentRecord {
  std::string experiment_id;
  std::string name;  // "<namespace>/<name>", or the display name; "Default" for "0".
  // What clients are told: always "mlflow-artifacts:/<experiment_id>", so
  // they send artifacts through the operator and need no store credentials.
  std::string artifact_location;
  std::string artifact_store;  // spec.artifactStore; "" for the operator's default store.
  std::string lifecycle_stage = kActive;
  int64_t creation_time_ms = 0;
  int64_t last_update_time_ms = 0;
  std::map<std::string, std::string> tags;
  std::string primary_metric;  // spec.primaryMetric.name; may be empty.
  bool maximize = true;        // spec.primaryMetric.goal.
  std::string ns;              // The Experiment resource.
  std::string resource_name;
  std::string resource_version;
};

}  // namespace runledger::tracking
