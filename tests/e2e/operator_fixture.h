// What the operator's end-to-end tests share: a git server holding the
// repositories runs come from, and a fixture that starts scoped operator
// replicas (e2e/operator, under the least-privilege ServiceAccount) and
// reads what they did.
//
// Binaries using OperatorTest link operator_fixture_main.cpp, whose main()
// registers GitServer as a global environment.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e_env.h"

namespace runledger::e2e {

std::string Trimmed(const std::string& s);

// Bare repositories served over smart HTTP (the real git http-backend) for
// the whole test binary. `ranker.git` has one empty commit on main, for
// tests that only need a revision to resolve.
class GitServer : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;

  // The URL of ranker.git, and the SHA its main points at.
  static const std::string& url() { return url_; }
  static const std::string& main_sha() { return main_sha_; }

  // Commits `files` (path -> content) on main of repository `name`,
  // creating it if needed; returns the new commit's SHA.
  static std::string Commit(const std::string& name,
                            const std::map<std::string, std::string>& files);
  // The URL of repository `name`.
  static std::string UrlOf(const std::string& name);

 private:
  static std::filesystem::path dir_;
  static std::string base_url_;
  static std::string url_;
  static std::string main_sha_;
  FILE* server_ = nullptr;
};

class OperatorTest : public NamespacedTest {
 protected:
  void TearDown() override;

  // Starts an operator replica named `name` watching this test's namespace
  // (unless `flags` say otherwise), with `env` in its environment.
  void StartOperator(const std::string& name, const std::vector<std::string>& env = {},
                     const std::vector<std::string>& flags = {});

  // kubectl apply into `ns` (default: the test's namespace).
  void Apply(const std::string& yaml, const std::string& ns = "");
  // Experiment `exp` with primary metric val_auc, plus `extra_spec` lines.
  void ApplyExperiment(const std::string& extra_spec = "", const std::string& ns = "");
  // A run of `exp` from ranker.git's main, for kwok's fake nodes.
  std::string RunYaml(const std::string& name, const std::string& annotations = "{}",
                      const std::string& tags = "{team: recsys}");

  // `e2e/operator ARGS`'s standard output; a test failure if it fails.
  std::string OperatorCommand(const std::vector<std::string>& args);
  // The last lines of replica `name`'s log, for failure messages.
  std::string OperatorLogTail(const std::string& name);
  // The tracking API's URI of replica `name` (what pods get injected).
  std::string TrackingUri(const std::string& name);

  // Runs tests/e2e/mlflow_client.py ARGS with the official mlflow client
  // against `uri` holding `token`, plus `env` (NAME=VALUE); the facts it
  // printed (key=value lines), or a test failure with its output.
  std::map<std::string, std::string> MlflowClient(const std::string& uri, const std::string& token,
                                                  const std::vector<std::string>& args,
                                                  const std::vector<std::string>& env = {});
  // The Python of e2e/python's venv (mlflow, optuna), for pods on the host node.
  static const std::string& VenvPython();

  nlohmann::json Get(const kube::Resource& r, const std::string& name, const std::string& ns = "");
  // The TrainingRun of this namespace whose status.runId is `run_id`, or null.
  nlohmann::json RunById(const std::string& run_id);
  std::string Phase(const std::string& run, const std::string& ns = "");
  size_t JobCount();
  std::string ConditionMessage(const std::string& run, const std::string& type);

  std::vector<std::string> operators_;
};

}  // namespace runledger::e2e
