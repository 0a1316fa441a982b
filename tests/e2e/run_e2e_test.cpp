// Runs that really run: TrainingRuns on the local cluster's host node
// (runledger-kubelet), where the pod's init containers and trainer execute
// as processes on this machine. The operator injects runledger-capture (this
// build's), checks the commit out when asked, and reads back what happened.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/encoding.h"
#include "kube/json_fields.h"
#include "operator_fixture.h"

namespace runledger::e2e {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// Prints what a reproducible run needs to know about itself, then acts as
// its first argument says: "ok" exits 0, "fail" exits 3, "wait" runs until
// SIGTERM (which it records in $OUT_DIR/state), "metrics" prints metric
// lines (JSON and key=value) among prose, the last one as it exits; "gap"
// prints 50 metric lines, waits for $OUT_DIR/go, then prints 50 more.
constexpr char kTrainPy[] = R"(import json, os, signal, subprocess, sys, time
out = os.environ.get("OUT_DIR", "")
def record(state):
    if out:
        with open(os.path.join(out, "state"), "w") as f:
            f.write(state)
def on_term(signum, frame):
    record("terminated")
    sys.exit(143)
signal.signal(signal.SIGTERM, on_term)
head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
print("commit=" + os.environ["GIT_COMMIT"], flush=True)
print("snapshot=" + os.environ["DATASET_SNAPSHOT_ID"], flush=True)
print("params=" + os.environ["RUNLEDGER_PARAMS"], flush=True)
print("head=" + head, flush=True)
mode = sys.argv[1] if len(sys.argv) > 1 else "ok"
if mode == "fail":
    sys.exit(3)
if mode == "wait":
    record("running")
    while True:
        time.sleep(0.1)
if mode == "metrics":
    for step in range(50):
        print(json.dumps({"metric": "loss", "value": 1 / (step + 1), "step": step}))
        print(f"step={step} val_auc={0.5 + step / 100}")
        if step % 10 == 0:
            print(f"note: lr=0.1 beat lr=1 by step {step}")
    # Block-buffered and printed as the script exits: the last line.
    print(json.dumps({"final_acc": 0.93}))
if mode == "gap":
    for step in range(100):
        if step == 50:
            record("half")
            while not os.path.exists(os.path.join(out, "go")):
                time.sleep(0.05)
        print(f"step={step} loss={1 / (step + 1)}", flush=True)
    record("printed")
)";

constexpr char kImage[] = "registry.example.com/ranker:py311";

class RunTest : public OperatorTest {
 protected:
  void SetUp() override {
    OperatorTest::SetUp();
    repo_ = "trainer-" + ns_;
    // mlflow_client.py goes into the repository too: the host node's pods
    // have a /tmp of their own, where a checkout of this tree may live.
    std::ifstream client(SourceDir() + "/tests/e2e/mlflow_client.py");
    sha_ = GitServer::Commit(
        repo_, {{"train.py", kTrainPy},
                {"mlflow_client.py", std::string(std::istreambuf_iterator<char>(client), {})}});
    out_ = std::filesystem::temp_directory_path() / ("runledger-run-" + ns_);
    std::filesystem::create_directories(out_);
    StartOperator(ns_);
    ApplyExperiment();
  }
  void TearDown() override {
    OperatorTest::TearDown();
    std::filesystem::remove_all(out_);
  }

  // A run of `command` (a YAML list) with `env` (YAML list items) on the
  // host node, with this test's repository checked out at /workspace;
  // `extra_volumes` adds pod volumes (YAML list items).
  std::string HostRunYaml(const std::string& name, const std::string& command,
                          const std::string& env = "", const std::string& extra_volumes = "") {
    return R"(apiVersion: runledger.dev/v1alpha1
kind: TrainingRun
metadata: {name: )" +
           name + R"(}
spec:
  experimentRef: exp
  source: {git: {url: ")" +
           GitServer::UrlOf(repo_) + R"(", revision: main, checkout: {path: /workspace}}}
  dataset: {uri: "s3://lake/train", snapshotId: "snap-42"}
  params: {lr: 0.0003, model: resnet}
  tags: {team: recsys}
  template:
    spec:
      nodeSelector: {runledger.dev/node: host}
      tolerations: [{key: runledger.dev/host, operator: Exists, effect: NoSchedule}]
      terminationGracePeriodSeconds: 10
      containers:
      - name: trainer
        image: )" +
           kImage + R"(
        command: )" +
           command + R"(
        env:
        - {name: OUT_DIR, value: /out}
)" + env + R"(        volumeMounts: [{name: out, mountPath: /out}]
      volumes:
      - {name: out, hostPath: {path: ")" +
           out_.string() + R"(", type: Directory}}
)" + extra_volumes;
  }
  // train.py in `mode`.
  std::string TrainPyRunYaml(const std::string& name, const std::string& mode,
                             const std::string& extra_volumes = "") {
    return HostRunYaml(name, "[python3, train.py, " + mode + "]", "", extra_volumes);
  }

  json Status(const std::string& run) {
    return kube::ObjectField(Get(kube::resources::kTrainingRuns, run), "status");
  }
  std::string Logs(const std::string& run) {
    const std::string pod = kube::StringField(Status(run), "podName");
    return Kubectl({"logs", "-n", ns_, pod, "-c", "trainer"}).out;
  }
  // The history of `key` in run `run_id` as the tracking API has it
  // ("step:value,..."), read with the mlflow client as a runledger user.
  std::string History(const std::string& run_id, const std::string& key) {
    if (token_.empty()) token_ = Trimmed(OperatorCommand({"token", ns_}));
    return MlflowClient(TrackingUri(ns_), token_, {"history", run_id, key})["history"];
  }
  // What History gives for loss = 1 / (step + 1) at steps 0 .. n-1.
  static std::string LossHistory(int n) {
    std::ostringstream points;
    for (int step = 0; step < n; ++step)
      points << (step ? "," : "") << step << ":" << 1.0 / (step + 1);
    return points.str();
  }
  std::string State() {
    std::ifstream in(out_ / "state");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string repo_, sha_, token_;
  std::filesystem::path out_;
};

TEST_F(RunTest, ScriptSeesTheRecordedCommitSnapshotAndParams) {
  Apply(TrainPyRunYaml("r-ok", "ok"));
  ASSERT_TRUE(Eventually([&] { return Phase("r-ok") == "Succeeded"; }, seconds(90)))
      << Kubectl({"get", "tr,job,pod", "-n", ns_, "-o", "yaml"}).out;
  const std::string logs = Logs("r-ok");
  EXPECT_NE(logs.find("commit=" + sha_), std::string::npos) << logs;
  EXPECT_NE(logs.find("head=" + sha_), std::string::npos) << "the checkout is at the commit";
  EXPECT_NE(logs.find("snapshot=snap-42"), std::string::npos) << logs;
  EXPECT_NE(logs.find(R"(params={"lr":0.0003,"model":"resnet"})"), std::string::npos) << logs;
  const json status = Status("r-ok");
  EXPECT_EQ(status["source"]["commit"], sha_);
  EXPECT_EQ(status["source"]["checkedOut"], true);
}

TEST_F(RunTest, StatusCarriesTheCapturedEnvironmentAndImageDigest) {
  Apply(TrainPyRunYaml("r-env", "ok"));
  ASSERT_TRUE(Eventually([&] { return Phase("r-env") == "Succeeded"; }, seconds(90)));
  json env;
  // The summary is read when the trainer has ended: the same pass or the next.
  ASSERT_TRUE(Eventually([&] {
    env = Status("r-env")["env"];
    return env.contains("python");
  }));
  // The host is the image: its python3 is the one the run had.
  std::string host_python = Trimmed(e2e::Run({"python3", "--version"}).out);
  host_python = host_python.substr(host_python.find(' ') + 1);
  EXPECT_EQ(env["python"], host_python);
  EXPECT_FALSE(kube::StringField(env, "os").empty()) << env.dump();
  EXPECT_FALSE(kube::StringField(env, "cpu").empty()) << env.dump();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(kImage), sizeof kImage - 1, digest);
  EXPECT_EQ(env["imageDigest"],
            "sha256:" + HexEncode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest)))
      << "the stand-in's imageID, as docs/local-cluster.md defines it";
}

TEST_F(RunTest, ExitCodeThreeEndsFailedWithExitCodeThree) {
  Apply(TrainPyRunYaml("r-fail", "fail"));
  ASSERT_TRUE(Eventually([&] { return Phase("r-fail") == "Failed"; }, seconds(90)));
  const json failure = Status("r-fail")["failure"];
  EXPECT_EQ(failure["exitCode"], 3) << failure.dump();
  EXPECT_EQ(failure["reason"], "Error") << failure.dump();
}

// The branch moves on after the run resolved it, before the pod fetches:
// the checkout is still the recorded commit, not the branch's new tip.
TEST_F(RunTest, CheckoutIsTheRecordedCommitEvenAfterTheBranchMoves) {
  // The pod waits for this Secret (the stand-in prepares volumes before any
  // container runs), which the test creates once main has moved.
  Apply(TrainPyRunYaml("r-moved", "ok", "      - {name: gate, secret: {secretName: gate}}\n"));
  ASSERT_TRUE(Eventually([&] { return kube::StringField(Status("r-moved"), "podName").size() > 0; },
                         seconds(60)));
  ASSERT_EQ(kube::StringField(kube::ObjectField(Status("r-moved"), "source"), "commit"), sha_);
  const std::string moved = GitServer::Commit(repo_, {{"NEWS", "main moved on\n"}});
  ASSERT_NE(moved, sha_);
  ASSERT_EQ(
      Kubectl({"create", "secret", "generic", "gate", "-n", ns_, "--from-literal=k=v"}).exit_code,
      0);
  ASSERT_TRUE(Eventually([&] { return Phase("r-moved") == "Succeeded"; }, seconds(90)));
  const std::string logs = Logs("r-moved");
  EXPECT_NE(logs.find("head=" + sha_), std::string::npos) << logs;
  EXPECT_EQ(logs.find("head=" + moved), std::string::npos) << logs;
}

TEST_F(RunTest, DeletedRunHasItsTrainerTerminated) {
  Apply(TrainPyRunYaml("r-wait", "wait"));
  ASSERT_TRUE(Eventually([&] { return State() == "running"; }, seconds(90)))
      << Kubectl({"get", "tr,job,pod", "-n", ns_, "-o", "yaml"}).out;
  ASSERT_EQ(Kubectl({"delete", "trainingrun", "r-wait", "-n", ns_, "--wait=false"}).exit_code, 0);
  // Owner references take the Job and its pod; the pod's deletion sends
  // SIGTERM, which runledger-capture passes on to the script.
  EXPECT_TRUE(Eventually([&] { return State() == "terminated"; }, seconds(60))) << State();
}

// What a script prints as metric lines reaches the tracking API, all of it
// and in order, while its stdout passes through unchanged.
TEST_F(RunTest, PrintedMetricLinesAreTrackedInOrderUpToTheLastLine) {
  Apply(TrainPyRunYaml("r-metrics", "metrics"));
  ASSERT_TRUE(Eventually([&] { return Phase("r-metrics") == "Succeeded"; }, seconds(90)))
      << Kubectl({"get", "tr,job,pod", "-n", ns_, "-o", "yaml"}).out;
  const std::string logs = Logs("r-metrics");
  EXPECT_NE(logs.find("note: lr=0.1 beat lr=1 by step 40"), std::string::npos) << logs;
  EXPECT_NE(logs.find(R"({"metric": "loss", "value": 0.02, "step": 49})"), std::string::npos)
      << "metric lines pass through too";

  const std::string run_id = kube::StringField(Status("r-metrics"), "runId");
  ASSERT_FALSE(run_id.empty());
  EXPECT_EQ(History(run_id, "loss"), LossHistory(50));
  EXPECT_EQ(History(run_id, "final_acc"), "0:0.93") << "the last line printed before exit";
  EXPECT_EQ(History(run_id, "lr"), "") << "prose with '=' is no metric line";

  // The summary in status, once the run has ended.
  json metrics;
  EXPECT_TRUE(Eventually(
      [&] {
        metrics = Status("r-metrics")["metrics"];
        return metrics.is_object() && metrics.contains("final_acc") &&
               metrics["loss"].value("count", 0) == 50;
      },
      seconds(60)))
      << metrics.dump();
  EXPECT_EQ(metrics["loss"]["last"], 0.02);
  EXPECT_EQ(metrics["loss"]["min"], 0.02);
  EXPECT_EQ(metrics["loss"]["max"], 1.0);
  EXPECT_EQ(metrics["loss"]["step"], 49);
  EXPECT_EQ(metrics["val_auc"]["count"], 50);
  EXPECT_DOUBLE_EQ(metrics["val_auc"]["last"].get<double>(), 0.99);
  EXPECT_FALSE(metrics.contains("lr")) << metrics.dump();

  // runledger-capture ended the MLflow run and uploaded the environment.
  const json tracking = Status("r-metrics")["tracking"];
  EXPECT_EQ(kube::StringField(tracking, "status"), "FINISHED") << tracking.dump();
  EXPECT_GT(kube::IntField(tracking, "endTimeMs").value_or(0), 0) << tracking.dump();
  EXPECT_EQ(MlflowClient(TrackingUri(ns_), token_, {"listing", run_id, "runledger"})["files"],
            "runledger/env.json,runledger/requirements.txt");
}

// A script using the mlflow client attaches to its TrainingRun's run, and
// the trials it nests under it become TrainingRuns with that parent.
TEST_F(RunTest, MlflowClientInThePodAttachesAndNestsTrials) {
  Apply(HostRunYaml("r-hpo", "[" + VenvPython() + ", mlflow_client.py, attach]",
                    "        - {name: TRIALS, value: \"20\"}\n"));
  ASSERT_TRUE(Eventually(
      [&] {
        const std::string phase = Phase("r-hpo");
        return phase == "Succeeded" || phase == "Failed";
      },
      seconds(120)));
  ASSERT_EQ(Phase("r-hpo"), "Succeeded") << Logs("r-hpo") << OperatorLogTail(ns_);
  EXPECT_NE(Logs("r-hpo").find("ok=attach"), std::string::npos) << Logs("r-hpo");
  size_t children = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        auto list = Kubectl({"get", "tr", "-n", ns_, "-o", "json"});
        children = 0;
        for (const json& run :
             json::parse(list.out, nullptr, false).value("items", json::array())) {
          if (kube::StringField(kube::ObjectField(run, "spec"), "parentRef") == "r-hpo") ++children;
        }
        return children == 20;
      },
      seconds(60)))
      << children << " trials under r-hpo";
  // The parent's own metric, logged through the client, is in its summary.
  EXPECT_TRUE(Eventually([&] {
    const json m = Status("r-hpo")["metrics"];
    return m.is_object() && m.contains("val_auc") && m["val_auc"].value("last", 0.0) == 0.9;
  }));
}

// The operator is SIGKILLed halfway through a run's metric lines: what was
// delivered stays, and the collector's retries bring the rest once it is back.
TEST_F(RunTest, CollectorRetriesFillTheGapOfAnOperatorCrash) {
  Apply(TrainPyRunYaml("r-gap", "gap"));
  ASSERT_TRUE(Eventually([&] { return State() == "half"; }, seconds(90)))
      << Kubectl({"get", "tr,job,pod", "-n", ns_, "-o", "yaml"}).out;
  const std::string run_id = kube::StringField(Status("r-gap"), "runId");
  ASSERT_TRUE(Eventually([&] { return History(run_id, "loss") == LossHistory(50); }, seconds(30)))
      << History(run_id, "loss");

  OperatorCommand({"kill", ns_});
  std::ofstream(out_ / "go") << "go";
  // The rest is printed, and the collector cannot deliver it, until the restart.
  ASSERT_TRUE(Eventually([&] { return State() == "printed"; }, seconds(30)));
  StartOperator(ns_);
  ASSERT_TRUE(Eventually([&] { return Phase("r-gap") == "Succeeded"; }, seconds(60)))
      << Logs("r-gap");
  EXPECT_EQ(History(run_id, "loss"), LossHistory(100))
      << "every point once, in order; the trainer's log:\n"
      << Logs("r-gap") << "\nthe operator's:\n"
      << OperatorLogTail(ns_);
}

}  // namespace
}  // namespace runledger::e2e
