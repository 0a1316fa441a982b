// The Job a TrainingRun runs as, built from its pod template with
// runledger's injection. Pure.
//
// Injection (docs/operator.md, "What the pod gets"):
//   - an init container copies runledger-capture into an emptyDir mounted
//     at /runledger/bin in the trainer container;
//   - the trainer's argv becomes exactly
//       /runledger/bin/runledger-capture -- <command...> <args...>
//     (never through a shell, so quoting and signals are untouched);
//   - provenance and tracking variables are appended to its env; the token
//     comes from the run's Secret by reference, never by value;
//     RUNLEDGER_METRIC_FORMAT tells runledger-capture how metric lines look
//     (spec.collect: "auto" by default, "none" with stdout false,
//     "regex:<pattern>" for format regex, else the format).
// With spec.source.git.checkout, a second init container fetches exactly
// the resolved commit into an emptyDir mounted in the trainer at the
// checkout path (its workingDir unless the template sets one); credentials
// come from the source's Secret as a volume, never as values in the spec.
// The Job has the run's name, a controller ownerReference to the run (so
// deleting the run deletes the Job, its pods and the Secret), the run's and
// Experiment's labels, backoffLimit / activeDeadlineSeconds / suspend from
// the run, and restartPolicy Never unless the template chose OnFailure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "controllers/trainingrun.h"

namespace runledger::controllers {

// Names of the variables runledger sets; a template setting one of them
// itself is refused (InvalidArgument) rather than silently overwritten.
const std::vector<std::string>& InjectedEnvNames();

// The trainer container's index in the template: spec.trainerContainer, or
// the first. InvalidArgument when it cannot be found.
Result<size_t> TrainerIndex(const nlohmann::json& run);

// Everything the Job's pod must know, resolved before the Job is built.
struct JobInputs {
  std::string run_id;
  std::string experiment_id;
  std::string commit;        // Empty when the run has no source.
  std::string snapshot_id;   // Empty when the run has no dataset.
  std::string token_secret;  // Secret name holding kTokenKey.
};

// The Job to create, or InvalidArgument naming the field at fault (no
// command on the trainer, an env var runledger injects set by the user, a
// spec.collect.pattern that is no regex or has fewer than two groups).
Result<nlohmann::json> BuildJob(const nlohmann::json& run, const JobInputs& inputs,
                                const TrainingRunConfig& config);

// The repository URL without any user:password@ part, safe to show.
std::string RedactUrl(const std::string& url);

}  // namespace runledger::controllers
