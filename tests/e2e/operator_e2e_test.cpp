// The operator end to end: runledger-operator (started by e2e/operator under
// its least-privilege ServiceAccount) against the local control plane, a
// real git server (git http-backend), kubectl as a user types it, and kwok
// playing the pods' lives.
//
// Each test runs its own operator, scoped to the test's namespace and with a
// Lease of its own, so tests neither share nor race for one.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "kube/json_fields.h"
#include "operator_fixture.h"
#include "tcp_proxy.h"

namespace runledger::e2e {
namespace {

using nlohmann::json;
using std::chrono::seconds;

TEST_F(OperatorTest, RunResolvesMainAndLaunchesAnInjectedJobThatSucceeds) {
  StartOperator(ns_);
  ApplyExperiment();
  Apply(RunYaml("r1"));
  ASSERT_TRUE(Eventually([&] { return Phase("r1") == "Succeeded"; }, seconds(60)))
      << "phase " << Phase("r1") << "\n"
      << Kubectl({"get", "tr", "-n", ns_, "-o", "yaml"}).out;

  json run = Get(kube::resources::kTrainingRuns, "r1");
  const json& status = run["status"];
  EXPECT_EQ(status["source"]["commit"], GitServer::main_sha());
  EXPECT_EQ(status["source"]["resolvedFrom"], "main");
  EXPECT_EQ(status["dataset"]["snapshotId"], "snap-1");
  EXPECT_EQ(status["runId"].get<std::string>().size(), 32u);
  EXPECT_TRUE(status.contains("startTime"));
  EXPECT_TRUE(status.contains("completionTime"));

  json job = Get(kube::resources::kJobs, "r1");
  const json& trainer = job["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(trainer["command"], (json{"/runledger/bin/runledger-capture", "--", "python",
                                      "train.py", "--epochs", "3"}));
  std::map<std::string, json> env;
  for (const auto& e : trainer["env"]) env[e["name"]] = e;
  EXPECT_EQ(env["GIT_COMMIT"]["value"], GitServer::main_sha());
  EXPECT_EQ(env["DATASET_SNAPSHOT_ID"]["value"], "snap-1");
  EXPECT_EQ(env["MLFLOW_RUN_ID"]["value"], status["runId"]);
  EXPECT_EQ(env["RUNLEDGER_NAMESPACE"]["value"], ns_);
  EXPECT_EQ(env["MLFLOW_TRACKING_TOKEN"]["valueFrom"]["secretKeyRef"]["name"],
            status["tokenSecretName"]);
  EXPECT_EQ(job["metadata"]["ownerReferences"][0]["uid"], run["metadata"]["uid"]);

  // The pod the Job made carries the same argv.
  auto pods =
      client_->List(kube::resources::kPods, ns_, {.label_selector = "runledger.dev/run=r1"});
  ASSERT_TRUE(pods.ok());
  ASSERT_EQ(pods->items.size(), 1u);
  EXPECT_EQ(pods->items[0]["spec"]["containers"][0]["command"], trainer["command"]);

  // The token Secret holds a token whose hash the status records.
  auto secret = Kubectl({"get", "secret", "-n", ns_, status["tokenSecretName"].get<std::string>(),
                         "-o", "jsonpath={.data.token}"});
  EXPECT_EQ(secret.exit_code, 0) << secret.err;
  EXPECT_FALSE(secret.out.empty());

  // The Experiment counts it.
  ASSERT_TRUE(Eventually([&] {
    json exp = Get(kube::resources::kExperiments, "exp");
    return kube::AnyField(kube::ObjectField(exp["status"], "runs"), "succeeded") == 1;
  })) << Kubectl({"get", "exp", "-n", ns_, "-o", "yaml"}).out;
}

TEST_F(OperatorTest, FailedPodMakesTheRunFailedWithItsExitCode) {
  StartOperator(ns_);
  ApplyExperiment();
  Apply(RunYaml("r-fail", R"({"kwok.runledger.dev/exit-code": "3"})"));
  ASSERT_TRUE(Eventually([&] { return Phase("r-fail") == "Failed"; }, seconds(60)))
      << Kubectl({"get", "tr", "-n", ns_, "-o", "yaml"}).out;
  json failure = Get(kube::resources::kTrainingRuns, "r-fail")["status"]["failure"];
  EXPECT_EQ(failure["exitCode"], 3) << failure.dump();
  EXPECT_EQ(failure["reason"], "Error") << failure.dump();
  EXPECT_NE(ConditionMessage("r-fail", "Ready").find("exit code 3"), std::string::npos);
  ASSERT_TRUE(Eventually([&] {
    json exp = Get(kube::resources::kExperiments, "exp");
    return kube::AnyField(kube::ObjectField(exp["status"], "runs"), "failed") == 1;
  }));
}

TEST_F(OperatorTest, RunMissingRequiredTagsIsNotLaunchedAndSaysWhatIsMissing) {
  StartOperator(ns_);
  ApplyExperiment("  requiredTags: [team, ticket]\n");
  Apply(RunYaml("r-tags"));
  ASSERT_TRUE(Eventually([&] {
    return ConditionMessage("r-tags", "Stalled").find("spec.tags ticket") != std::string::npos;
  })) << Kubectl({"get", "tr", "-n", ns_, "-o", "yaml"}).out;
  EXPECT_EQ(Phase("r-tags"), "Pending");
  EXPECT_EQ(JobCount(), 0u);
  // kubectl describe shows the reason to the user.
  EXPECT_NE(Kubectl({"describe", "tr", "-n", ns_, "r-tags"}).out.find("RequirementsNotMet"),
            std::string::npos);
}

TEST_F(OperatorTest, RunWaitsForItsExperimentAndStartsWhenItAppears) {
  StartOperator(ns_);
  Apply(RunYaml("r-wait", R"({"kwok.runledger.dev/hold": "1"})"));
  ASSERT_TRUE(Eventually([&] {
    return ConditionMessage("r-wait", "Ready").find("waiting for Experiment") != std::string::npos;
  }));
  EXPECT_EQ(JobCount(), 0u);
  ApplyExperiment();
  ASSERT_TRUE(Eventually([&] { return Phase("r-wait") == "Running"; }, seconds(60)))
      << Kubectl({"get", "tr", "-n", ns_, "-o", "yaml"}).out;
}

TEST_F(OperatorTest, KilledBetweenJobCreateAndStatusWriteLeavesOneJob) {
  ApplyExperiment();
  StartOperator(ns_ + "-crash", {"RUNLEDGER_TEST_CRASH_AFTER_JOB_CREATE=1"});
  Apply(RunYaml("r-crash", R"({"kwok.runledger.dev/hold": "1"})"));
  // The operator SIGKILLs itself right after creating the Job.
  ASSERT_TRUE(Eventually(
      [&] {
        return e2e::Run({SourceDir() + "/e2e/operator", "status", ns_ + "-crash"}).exit_code != 0;
      },
      seconds(60)))
      << "the crash hook never fired";
  ASSERT_EQ(JobCount(), 1u);
  EXPECT_TRUE(kube::StringField(Get(kube::resources::kTrainingRuns, "r-crash")["status"],
                                "phase") != "Running");
  StartOperator(ns_);
  ASSERT_TRUE(Eventually([&] { return Phase("r-crash") == "Running"; }, seconds(60)));
  EXPECT_EQ(JobCount(), 1u);
}

TEST_F(OperatorTest, StandbyTakesOverWhenTheLeaderIsKilled) {
  ApplyExperiment();
  StartOperator(ns_ + "-a");
  StartOperator(ns_ + "-b");
  auto holder = [&] {
    auto lease = client_->Get(kube::resources::kLeases, "runledger-system", ns_);
    return lease.ok() ? kube::StringField(kube::ObjectField(*lease, "spec"), "holderIdentity")
                      : std::string();
  };
  ASSERT_TRUE(Eventually([&] { return !holder().empty(); }));
  const std::string leader = holder();
  const std::string standby = leader == ns_ + "-a" ? ns_ + "-b" : ns_ + "-a";
  Apply(RunYaml("r-before", R"({"kwok.runledger.dev/hold": "1"})"));
  ASSERT_TRUE(Eventually([&] { return Phase("r-before") == "Running"; }, seconds(60)));

  ASSERT_EQ(e2e::Run({SourceDir() + "/e2e/operator", "kill", leader}).exit_code, 0);
  const auto killed = std::chrono::steady_clock::now();
  Apply(RunYaml("r-after", R"({"kwok.runledger.dev/hold": "1"})"));
  // Lease duration (15 s) plus a retry period or two.
  ASSERT_TRUE(Eventually([&] { return holder() == standby; }, seconds(30)));
  ASSERT_TRUE(Eventually([&] { return Phase("r-after") == "Running"; }, seconds(60)));
  const auto took = std::chrono::duration_cast<seconds>(std::chrono::steady_clock::now() - killed);
  RecordProperty("takeover_seconds", std::to_string(took.count()));
}

TEST_F(OperatorTest, GracefulStopReleasesTheLeaseForAQuickTakeover) {
  ApplyExperiment();
  StartOperator(ns_ + "-a");
  auto holder = [&] {
    auto lease = client_->Get(kube::resources::kLeases, "runledger-system", ns_);
    return lease.ok() ? kube::StringField(kube::ObjectField(*lease, "spec"), "holderIdentity")
                      : std::string("?");
  };
  ASSERT_TRUE(Eventually([&] { return holder() == ns_ + "-a"; }));
  StartOperator(ns_ + "-b");
  ASSERT_EQ(e2e::Run({SourceDir() + "/e2e/operator", "down", ns_ + "-a"}).exit_code, 0);
  EXPECT_NE(
      e2e::Run({SourceDir() + "/e2e/operator", "logs", ns_ + "-a"}).out.find("released the lease"),
      std::string::npos);
  // Well under the 15 s a killed leader's lease takes to expire.
  ASSERT_TRUE(Eventually([&] { return holder() == ns_ + "-b"; }, seconds(8)));
}

TEST_F(OperatorTest, MetricsParseAndCountReconciles) {
  StartOperator(ns_);
  ApplyExperiment();
  Apply(RunYaml("r-metrics"));
  ASSERT_TRUE(Eventually([&] { return Phase("r-metrics") == "Succeeded"; }, seconds(60)));
  const std::string port =
      Trimmed(e2e::Run({SourceDir() + "/e2e/operator", "port", ns_, "metrics"}).out);
  const std::string python = Trimmed(e2e::Run({SourceDir() + "/e2e/python"}).out);
  // prometheus_client's own parser reads the exposition.
  auto parsed = e2e::Run({python, "-c",
                          R"(
import sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families
text = urllib.request.urlopen("http://127.0.0.1:)" +
                              port + R"(/metrics").read().decode()
total = 0
names = set()
for family in text_string_to_metric_families(text):
    names.add(family.name)
    for s in family.samples:
        if s.name == "controller_runtime_reconcile_total" and s.labels["controller"] == "trainingrun":
            total += s.value
need = {"controller_runtime_reconcile", "workqueue_adds", "rest_client_requests",
        "leader_election_master_status", "process_resident_memory_bytes"}
missing = need - names
print(int(total), ",".join(sorted(missing)))
)"});
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
  int total = 0;
  char missing[256] = {};
  std::sscanf(parsed.out.c_str(), "%d %255s", &total, missing);
  EXPECT_GE(total, 3) << parsed.out;
  EXPECT_STREQ(missing, "") << parsed.out;
}

// A namespace of the test's own beyond ns_, deleted with the test.
class ExtraNamespace {
 public:
  explicit ExtraNamespace(std::string name) : name_(std::move(name)) {
    EXPECT_EQ(Kubectl({"create", "namespace", name_}).exit_code, 0);
  }
  ~ExtraNamespace() { Kubectl({"delete", "namespace", name_, "--wait=false"}); }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

TEST_F(OperatorTest, WatchesExactlyTheNamespacesItIsGiven) {
  ExtraNamespace second(ns_ + "-b"), unwatched(ns_ + "-c");
  StartOperator(ns_, {}, {"--namespaces", ns_ + "," + second.name()});
  for (const auto& ns : {ns_, second.name(), unwatched.name()}) {
    ApplyExperiment("", ns);
    Apply(RunYaml("r-ns"), ns);
  }
  ASSERT_TRUE(Eventually([&] { return Phase("r-ns") == "Succeeded"; }, seconds(60)));
  ASSERT_TRUE(Eventually([&] { return Phase("r-ns", second.name()) == "Succeeded"; }, seconds(60)));
  EXPECT_EQ(Phase("r-ns", unwatched.name()), "") << "a namespace not given is left alone";
}

// etcd forgets the revisions before `revision`: watches from them expire.
void CompactEtcdToNow() {
  const std::string etcd = Trimmed(e2e::Run({SourceDir() + "/e2e/cluster", "etcd-url"}).out);
  auto range = e2e::Run({"curl", "-sf", "--max-time", "30", "-X", "POST", etcd + "/v3/kv/range",
                         "-d", R"({"key":"AA=="})"});
  ASSERT_EQ(range.exit_code, 0) << range.err;
  const std::string revision = json::parse(range.out)["header"]["revision"];
  auto compact =
      e2e::Run({"curl", "-sf", "--max-time", "30", "-X", "POST", etcd + "/v3/kv/compaction", "-d",
                json{{"revision", revision}, {"physical", true}}.dump()});
  ASSERT_EQ(compact.exit_code, 0) << compact.err;
}

// The API server serves TrainingRun watches from etcd (e2e/cluster turns
// their watch cache off), so a watch resumed from a compacted revision gets
// 410 Gone, as it does behind any API server once the window is passed.
TEST_F(OperatorTest, WatchExpiredByEtcdCompactionRelistsAndConverges) {
  const std::string server = ClusterConfig().server;  // https://127.0.0.1:PORT
  const uint16_t api_port = std::stoi(server.substr(server.rfind(':') + 1));
  TcpProxy proxy("127.0.0.1", api_port);
  StartOperator(ns_, {"RUNLEDGER_API_SERVER=https://127.0.0.1:" + std::to_string(proxy.port())});
  ApplyExperiment();
  Apply(RunYaml("r-before", R"({kwok.runledger.dev/hold: "true"})"));
  ASSERT_TRUE(Eventually([&] { return Phase("r-before") == "Running"; }, seconds(60)));

  // While the operator is cut off (shorter than its 10 s renew deadline, so
  // it stays leader): one run is deleted and one created, and etcd compacts
  // the revisions its watch would resume from.
  proxy.Cut();
  ASSERT_EQ(Kubectl({"delete", "trainingrun", "r-before", "-n", ns_, "--wait=false"}).exit_code, 0);
  Apply(RunYaml("r-during", R"({kwok.runledger.dev/hold: "true"})"));
  CompactEtcdToNow();
  proxy.Restore();

  // The missed create is reconciled...
  ASSERT_TRUE(Eventually([&] { return Phase("r-during") == "Running"; }, seconds(60)));
  // ...and the missed delete is noticed: the cache holds only r-during.
  const std::string port =
      Trimmed(e2e::Run({SourceDir() + "/e2e/operator", "port", ns_, "metrics"}).out);
  auto cached_runs = [&] {
    auto m = e2e::Run({"curl", "-sf", "--max-time", "30", "http://127.0.0.1:" + port + "/metrics"});
    const std::string name = "runledger_cache_objects_trainingruns ";
    auto at = m.out.find("\n" + name);
    return at == std::string::npos ? -1.0 : std::stod(m.out.substr(at + 1 + name.size()));
  };
  ASSERT_TRUE(Eventually([&] { return cached_runs() == 1; }, seconds(30))) << cached_runs();
  const std::string log = e2e::Run({SourceDir() + "/e2e/operator", "logs", ns_}).out;
  EXPECT_NE(log.find("too old"), std::string::npos) << "the watch never expired; log:\n" << log;
}

TEST_F(OperatorTest, ReadyzTurnsReadyAfterTheCachesSync) {
  StartOperator(ns_);  // `up` itself waits for /readyz.
  const std::string port =
      Trimmed(e2e::Run({SourceDir() + "/e2e/operator", "port", ns_, "probe"}).out);
  auto ready =
      e2e::Run({"curl", "-sf", "--max-time", "30", "http://127.0.0.1:" + port + "/readyz"});
  EXPECT_EQ(ready.exit_code, 0);
  EXPECT_EQ(Trimmed(ready.out), "ok");
  auto health =
      e2e::Run({"curl", "-sf", "--max-time", "30", "http://127.0.0.1:" + port + "/healthz"});
  EXPECT_EQ(health.exit_code, 0);
}

}  // namespace
}  // namespace runledger::e2e
