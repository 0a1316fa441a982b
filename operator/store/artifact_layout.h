// Where run artifacts live inside an object store: one layout shared by the
// tracking API, which writes them, and retention, which lists, moves and
// deletes them.
//
//   <ns>/<experiment>/<run_id>/<artifact path>             an Experiment's artifactStore
//   artifacts/<ns>/<experiment>/<run_id>/<artifact path>   the operator's own store
//
// (the operator's store also holds metric chunks, hence the "artifacts/"
// root there). Prefixes end in '/', so run "ab" never covers run "abc".
#pragma once

#include <string>
#include <string_view>

namespace runledger::store {

// The key prefix of every artifact of Experiment `ns`/`experiment`.
inline std::string ExperimentArtifactPrefix(std::string_view ns, std::string_view experiment,
                                            bool in_operator_store) {
  std::string prefix = in_operator_store ? "artifacts/" : "";
  prefix.append(ns).append("/").append(experiment).append("/");
  return prefix;
}

// The key prefix of run `run_id`'s artifacts.
inline std::string RunArtifactPrefix(std::string_view ns, std::string_view experiment,
                                     std::string_view run_id, bool in_operator_store) {
  return ExperimentArtifactPrefix(ns, experiment, in_operator_store).append(run_id).append("/");
}

}  // namespace runledger::store
