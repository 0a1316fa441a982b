// Helpers for tests against the local control plane that `e2e/cluster up`
// starts: a client for it, the pinned kubectl, a namespace per test, and
// polling with a deadline (never sleeps as synchronisation).
//
// The cluster is found through RUNLEDGER_KUBECONFIG, or else by asking
// `e2e/cluster kubeconfig` in the source tree.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/config.h"

namespace runledger::e2e {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv[0] (searched in PATH) with `input` on stdin; waits for it.
CommandResult Run(const std::vector<std::string>& argv, const std::string& input = "");

// The source tree's root (where e2e/ and crds/ are).
std::string SourceDir();

// Runs the pinned kubectl against the cluster.
CommandResult Kubectl(const std::vector<std::string>& args, const std::string& input = "");

// The cluster's configuration; the test fails (and aborts) if there is none.
const kube::Config& ClusterConfig();

// A client for the cluster as its administrator.
std::unique_ptr<kube::Client> NewClient();

// Polls `condition` every 100 ms until it holds (true) or `timeout` passes
// (false).
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Gives each test a fresh namespace, deleted afterwards.
class NamespacedTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::string ns_;
  std::unique_ptr<kube::Client> client_;
};

}  // namespace runledger::e2e
