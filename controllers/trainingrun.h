// TrainingRun: the decision. Given what the reconciler observed about one
// run — the run, its Experiment, its Job and pods, and the outcome of any
// revision or dataset lookup it just made — decide what the world should
// look like: the run's status, whether to create its token Secret and its
// Job, which events to record, and when to look again.
//
// Pure: no I/O, no clock (the time is an input). Every rule of the
// TrainingRun lifecycle lives here; trainingrun_reconciler.cpp only gathers
// the inputs and carries the plan out. docs/operator.md describes the
// lifecycle for users.
//
// The order of a launch, each step recorded before the next so a crash at
// any point repeats nothing and creates nothing twice:
//   1. the Experiment exists and the run meets its requirements;
//   2. the revision is resolved to a commit and the dataset to a snapshot,
//      and both are written to status (never resolved again);
//   3. the token Secret is created and its hash written to status;
//   4. the Job (deterministic name: the run's) is created, then its name
//      written to status;
//   5. the phase follows the Job and its pods.
//
// A run without spec.template is a tracked run: the MLflow tracking API
// created it for code that runs elsewhere (a notebook, an HPO driver's
// nested runs). Nothing is launched or resolved (no Job, no token Secret, no
// commit or snapshot lookup) and the Experiment's requiredTags and require
// are not checked: the code is already running, so holding the run back
// would change nothing. Its phase follows status.tracking.status, which only
// the tracking API writes: SCHEDULED -> Pending, RUNNING or absent ->
// Running, FINISHED -> Succeeded, FAILED and KILLED -> Failed;
// startTime/completionTime come from its startTimeMs/endTimeMs.
//
// Every plan starts from the observed status, so what other writers put
// there (status.tracking, status.metrics, status.primaryMetric) is carried
// through unchanged.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "runtime/events.h"

namespace runledger::controllers {

// Labels and names the operator puts on what it creates.
inline constexpr char kRunLabel[] = "runledger.dev/run";
inline constexpr char kExperimentLabel[] = "runledger.dev/experiment";
inline constexpr char kQueueLabel[] = "kueue.x-k8s.io/queue-name";
inline constexpr char kTokenKey[] = "token";

// Operator-wide settings the decision needs.
struct TrainingRunConfig {
  // Image holding the static runledger-capture binary, and the command that
  // copies it into the shared emptyDir at kCaptureDir. The default is the
  // operator's own image (the Dockerfile puts both binaries in it).
  std::string capture_image = "ghcr.io/runledger/runledger-operator:0.1.0";
  std::vector<std::string> capture_install_command = {"/runledger-capture", "--install",
                                                      "/runledger/bin/runledger-capture"};
  // Image of the init container that checks a run's commit out
  // (spec.source.git.checkout): it needs sh and git (with ssh for SSH URLs).
  std::string checkout_image = "docker.io/alpine/git:latest";
  std::string tracking_uri;  // MLFLOW_TRACKING_URI for pods; may be empty.
};
inline constexpr char kCaptureDir[] = "/runledger/bin";
inline constexpr char kCapturePath[] = "/runledger/bin/runledger-capture";

// The outcome of resolving the run's git revision (made by the reconciler
// only when NeedsSourceResolution says so).
struct SourceLookup {
  Status error;  // OK when resolved.
  std::string commit;
  std::string resolved_from;  // e.g. "refs/heads/main".
};

// The outcome of fingerprinting a dataset without a snapshot id.
struct DatasetLookup {
  Status error;
  std::string snapshot_id;  // "sha256:<hex>".
};

struct TrainingRunObserved {
  nlohmann::json run;                        // From the cache.
  std::optional<nlohmann::json> experiment;  // Absent: not found.
  std::optional<nlohmann::json> job;         // The Job named like the run, if any.
  std::vector<nlohmann::json> pods;          // Pods labelled with the run.
  std::optional<SourceLookup> source;
  std::optional<DatasetLookup> dataset;
  // A fresh random token, used if the run has none yet (step 3).
  std::string new_token;
  Clock::SystemTime now;
};

struct PlannedEvent {
  runtime::EventType type;
  std::string action;
  std::string reason;
  std::string note;
};

struct TrainingRunPlan {
  // The status to write, or nullopt when it is unchanged.
  std::optional<nlohmann::json> status;
  std::optional<nlohmann::json> token_secret;  // To create.
  std::optional<nlohmann::json> job;           // To create (after the status write).
  std::vector<PlannedEvent> events;
  // What the reconcile returns after acting: OK, a terminal error (bad spec,
  // already surfaced as a condition) or a transient one (retry with backoff).
  Status result;
};

// True for a tracked run: one without spec.template (see above).
bool IsTrackedRun(const nlohmann::json& run);

// True when the run still needs its git revision resolved: it has a
// template and a source, no commit recorded and no Job yet.
bool NeedsSourceResolution(const nlohmann::json& run);
// True when the run has a template, its dataset has no snapshot id and none
// is recorded yet.
bool NeedsDatasetResolution(const nlohmann::json& run);

TrainingRunPlan DecideTrainingRun(const TrainingRunObserved& observed,
                                  const TrainingRunConfig& config);

// `status` (as planned with a Job) changed to say the API server refused
// the Job with `message`: no jobName, Stalled with reason JobRejected.
nlohmann::json RejectedJobStatus(nlohmann::json status, const std::string& message,
                                 Clock::SystemTime now);

// The stable run id: the run's UID without dashes (32 hex digits, the shape
// of an MLflow run_id).
std::string RunId(const nlohmann::json& run);
// "sha256:<hex>" of a token.
std::string TokenHash(const std::string& token);

}  // namespace runledger::controllers
