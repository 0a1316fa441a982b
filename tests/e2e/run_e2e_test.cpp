// Runs that really run: TrainingRuns on the local cluster's host node
// (runledger-kubelet), where the pod's init containers and trainer execute
// as processes on this machine. The operator injects runledger-capture (this
// build's), checks the commit out when asked, and reads back what happened.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <filesystem>
#include <fstream>

#include "base/encoding.h"
#include "kube/json_fields.h"
#include "operator_fixture.h"

namespace runledger::e2e {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// Prints what a reproducible run needs to know about itself, then acts as
// its first argument says: "ok" exits 0, "fail" exits 3, "wait" runs until
// SIGTERM (which it records in $OUT_DIR/state).
constexpr char kTrainPy[] = R"(import os, signal, subprocess, sys, time
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
)";

constexpr char kImage[] = "registry.example.com/ranker:py311";

class RunTest : public OperatorTest {
 protected:
  void SetUp() override {
    OperatorTest::SetUp();
    repo_ = "trainer-" + ns_;
    sha_ = GitServer::Commit(repo_, {{"train.py", kTrainPy}});
    out_ = std::filesystem::temp_directory_path() / ("runledger-run-" + ns_);
    std::filesystem::create_directories(out_);
    StartOperator(ns_);
    ApplyExperiment();
  }
  void TearDown() override {
    OperatorTest::TearDown();
    std::filesystem::remove_all(out_);
  }

  // A run of train.py from this test's repository on the host node, checked
  // out at /workspace; `volumes` adds pod volumes (YAML list items).
  std::string HostRunYaml(const std::string& name, const std::string& mode,
                          const std::string& extra_volumes = "") {
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
        command: [python3, train.py]
        args: [")" +
           mode + R"("]
        env: [{name: OUT_DIR, value: /out}]
        volumeMounts: [{name: out, mountPath: /out}]
      volumes:
      - {name: out, hostPath: {path: ")" +
           out_.string() + R"(", type: Directory}}
)" + extra_volumes;
  }

  json Status(const std::string& run) {
    return kube::ObjectField(Get(kube::resources::kTrainingRuns, run), "status");
  }
  std::string Logs(const std::string& run) {
    const std::string pod = kube::StringField(Status(run), "podName");
    return Kubectl({"logs", "-n", ns_, pod, "-c", "trainer"}).out;
  }
  std::string State() {
    std::ifstream in(out_ / "state");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string repo_, sha_;
  std::filesystem::path out_;
};

TEST_F(RunTest, ScriptSeesTheRecordedCommitSnapshotAndParams) {
  Apply(HostRunYaml("r-ok", "ok"));
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
  Apply(HostRunYaml("r-env", "ok"));
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
  Apply(HostRunYaml("r-fail", "fail"));
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
  Apply(HostRunYaml("r-moved", "ok", "      - {name: gate, secret: {secretName: gate}}\n"));
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
  Apply(HostRunYaml("r-wait", "wait"));
  ASSERT_TRUE(Eventually([&] { return State() == "running"; }, seconds(90)))
      << Kubectl({"get", "tr,job,pod", "-n", ns_, "-o", "yaml"}).out;
  ASSERT_EQ(Kubectl({"delete", "trainingrun", "r-wait", "-n", ns_, "--wait=false"}).exit_code, 0);
  // Owner references take the Job and its pod; the pod's deletion sends
  // SIGTERM, which runledger-capture passes on to the script.
  EXPECT_TRUE(Eventually([&] { return State() == "terminated"; }, seconds(60))) << State();
}

}  // namespace
}  // namespace runledger::e2e
