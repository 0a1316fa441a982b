// The tracking API with the official mlflow client (e2e/requirements.txt
// pins it): a scoped operator per test, a notebook-like caller holding the
// "runledger user" ServiceAccount token, and the scenarios of
// mlflow_client.py. What the client saw is asserted there; what it left in
// the cluster (Experiments, TrainingRuns, status summaries) here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "kube/json_fields.h"
#include "operator_fixture.h"
#include "s3_fixture.h"
#include "store/s3_object_store.h"
#include "tcp_proxy.h"

namespace runledger::e2e {
namespace {

using nlohmann::json;
using std::chrono::seconds;
namespace res = kube::resources;

class TrackingTest : public OperatorTest {
 protected:
  void SetUp() override {
    OperatorTest::SetUp();
    StartOperator(ns_);
    uri_ = TrackingUri(ns_);
    token_ = Trimmed(OperatorCommand({"token", ns_}));
    ASSERT_FALSE(token_.empty());
  }

  // Runs mlflow_client.py ARGS as a user of this namespace (or holding `token`).
  std::map<std::string, std::string> Client(const std::vector<std::string>& args,
                                            const std::string& token = "") {
    return MlflowClient(uri_, token.empty() ? token_ : token, args);
  }

  // The replica's process id, from "NAME running (pid N, ...)".
  std::string OperatorPid() {
    const std::string status = OperatorCommand({"status", ns_});
    const size_t at = status.find("(pid ");
    EXPECT_NE(at, std::string::npos) << status;
    return at == std::string::npos ? "" : status.substr(at + 5, status.find(',', at) - at - 5);
  }

  // The peak resident memory (VmHWM) of process `pid` in KiB; -1 if unknown.
  static long PeakRssKib(const std::string& pid) {
    std::ifstream status("/proc/" + pid + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1L;
  }

  std::vector<json> Runs() {
    auto list = client_->List(res::kTrainingRuns, ns_);
    return list.ok() ? list->items : std::vector<json>{};
  }

  std::string uri_, token_;
};

TEST_F(TrackingTest, ClientLifecycleLandsInKubernetes) {
  auto facts = Client({"lifecycle"});
  ASSERT_EQ(facts["ok"], "lifecycle");
  EXPECT_EQ(facts["batch_points"], "901") << "a retried identical batch was stored twice";

  // set_experiment("churn") made the Experiment "churn" in the caller's namespace.
  const json exp = Get(res::kExperiments, "churn");
  ASSERT_TRUE(exp.is_object()) << "no Experiment churn in " << ns_;
  EXPECT_EQ(kube::StringField(kube::ObjectField(exp, "status"), "experimentId"),
            facts["experiment_id"]);
  // Every run is a TrainingRun without a workload; kubectl lists them.
  const std::string listed = Kubectl({"get", "tr", "-n", ns_}).out;
  for (const char* name : {"baseline", "wider", "slow", "ended-failed", "ended-killed", "batch"}) {
    EXPECT_NE(listed.find(name), std::string::npos) << name << " missing from\n" << listed;
  }
  // The summary of the finished run reaches its status.
  const std::string run_id = facts["baseline_run_id"];
  json metrics;
  EXPECT_TRUE(Eventually(
      [&] {
        metrics = kube::ObjectField(kube::ObjectField(RunById(run_id), "status"), "metrics");
        return metrics.contains("loss") && metrics["loss"].value("count", 0) == 3;
      },
      seconds(60)))
      << metrics.dump();
  EXPECT_EQ(metrics["loss"]["last"], 0.45);
  EXPECT_EQ(metrics["loss"]["min"], 0.45);
  EXPECT_EQ(metrics["loss"]["max"], 0.9);
  EXPECT_EQ(metrics["loss"]["step"], 2);
  EXPECT_FALSE(metrics.contains("nan_metric") && metrics["nan_metric"].contains("last"))
      << "a NaN has no place in a summary";
  const json run = RunById(run_id);
  EXPECT_EQ(kube::StringField(kube::ObjectField(run, "status"), "phase"), "Succeeded");
}

TEST_F(TrackingTest, MistakesAreTheClientsExceptions) {
  EXPECT_EQ(Client({"errors"})["ok"], "errors");
}

// What MLflow's web UI sends (the /ajax-api prefix, run_uuid, backquoted
// keys, run_id IN, repeated run_ids) is answered as it expects.
TEST_F(TrackingTest, WebUiCallsAreAnswered) { EXPECT_EQ(Client({"ui"})["ok"], "ui"); }

TEST_F(TrackingTest, ArtifactsRoundTripByteIdenticalWithFlatMemory) {
  const std::string pid = OperatorPid();
  auto peak_kib = [&] { return PeakRssKib(pid); };
  const long before = peak_kib();
  ASSERT_GT(before, 0) << "no operator process " << pid;
  auto facts = Client({"artifacts", "100"});
  ASSERT_EQ(facts["ok"], "artifacts");
  const long after = peak_kib();
  // A 100 MiB upload and download held whole would raise the peak by 100 MiB.
  EXPECT_LT(after - before, 32 * 1024) << "peak RSS " << before << " KiB → " << after << " KiB";
}

// An Experiment whose artifactStore is s3://: the same client calls, and
// the files land in the bucket (versitygw on loopback), in parts and
// ranges, so the operator's memory stays flat there too.
TEST_F(TrackingTest, ArtifactsOfAnS3ExperimentLandInTheBucket) {
  S3Server s3("versitygw");
  ASSERT_TRUE(s3.status().ok()) << s3.status().ToString();
  ASSERT_TRUE(s3.MakeBucket("ml-artifacts").ok());
  OperatorCommand({"down", ns_});
  StartOperator(
      ns_, {"AWS_ACCESS_KEY_ID=" + s3.access_key(), "AWS_SECRET_ACCESS_KEY=" + s3.secret_key()},
      {"--s3-endpoint", s3.endpoint()});
  Apply(R"(apiVersion: runledger.dev/v1alpha1
kind: Experiment
metadata: {name: artifacts}
spec:
  artifactStore: s3://ml-artifacts/team-a
)");
  const std::string pid = OperatorPid();
  auto peak_kib = [&] { return PeakRssKib(pid); };
  const long before = peak_kib();
  auto facts = Client({"artifacts", "40"});
  ASSERT_EQ(facts["ok"], "artifacts") << OperatorLogTail(ns_);
  EXPECT_LT(peak_kib() - before, 48 * 1024) << "a 40 MiB artifact went through whole";

  store::S3StoreSettings settings;
  settings.connection.endpoint = s3.endpoint();
  settings.credentials = [&] {
    return Result<store::s3::Credentials>(
        store::s3::Credentials{s3.access_key(), s3.secret_key(), {}});
  };
  auto bucket = store::S3ObjectStore::Open("s3://ml-artifacts/team-a", settings);
  ASSERT_TRUE(bucket.ok()) << bucket.status().ToString();
  auto listed = (*bucket)->List({ns_ + "/artifacts/", "", "", 1000});
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  uint64_t largest = 0;
  for (const auto& o : listed->objects) largest = std::max(largest, o.size);
  EXPECT_GE(listed->objects.size(), 3u) << "the run's files under <ns>/<experiment>/<run_id>/";
  EXPECT_EQ(largest, uint64_t{40} << 20) << "the 40 MiB model is in the bucket";
}

TEST_F(TrackingTest, OptunaTrialsAreNestedTrainingRuns) {
  auto facts = Client({"nested", "20"});
  ASSERT_EQ(facts["ok"], "nested");
  const json parent = RunById(facts["parent_run_id"]);
  const std::string parent_name = kube::StringField(kube::ObjectField(parent, "metadata"), "name");
  ASSERT_FALSE(parent_name.empty());
  size_t children = 0;
  for (const json& run : Runs()) {
    if (kube::StringField(kube::ObjectField(run, "spec"), "parentRef") == parent_name) ++children;
  }
  EXPECT_EQ(children, 20u);
  const std::string wide = Kubectl({"get", "tr", "-n", ns_, "-o", "wide"}).out;
  EXPECT_NE(wide.find("PARENT"), std::string::npos) << wide;
}

// Writes need the run's own token; anything else is Kubernetes RBAC's call.
TEST_F(TrackingTest, WritesNeedTheRunsTokenAndReadsNeedRbac) {
  ApplyExperiment();
  Apply(RunYaml("run-a"));
  Apply(RunYaml("run-b"));
  std::map<std::string, std::string> id, token;
  for (const std::string run : {"run-a", "run-b"}) {
    ASSERT_TRUE(Eventually([&] {
      const json status = kube::ObjectField(Get(res::kTrainingRuns, run), "status");
      id[run] = kube::StringField(status, "runId");
      return !id[run].empty() && !kube::StringField(status, "tokenSecretName").empty();
    })) << run;
    token[run] = Kubectl({"get", "secret", run + "-token", "-n", ns_, "-o",
                          "go-template={{.data.token | base64decode}}"})
                     .out;
    ASSERT_FALSE(token[run].empty()) << run;
  }
  auto attempt = [&](const std::string& action, const std::string& run, const std::string& as) {
    return MlflowClient(uri_, as, {"attempt", action, id[run]})["result"];
  };
  EXPECT_EQ(attempt("log", "run-a", ""), "UNAUTHENTICATED") << "no token";
  EXPECT_EQ(attempt("get", "run-a", "not-a-token"), "UNAUTHENTICATED") << "a bogus token";
  EXPECT_EQ(attempt("log", "run-a", token["run-a"]), "OK") << "a run writes itself";
  EXPECT_EQ(attempt("log", "run-b", token["run-a"]), "PERMISSION_DENIED") << "another run's token";

  // A ServiceAccount that may only get TrainingRuns reads, and cannot write.
  ASSERT_EQ(Kubectl({"create", "serviceaccount", "reader", "-n", ns_}).exit_code, 0);
  ASSERT_EQ(Kubectl({"create", "role", "reader", "-n", ns_, "--verb=get",
                     "--resource=trainingruns.runledger.dev"})
                .exit_code,
            0);
  ASSERT_EQ(Kubectl({"create", "rolebinding", "reader", "-n", ns_, "--role=reader",
                     "--serviceaccount=" + ns_ + ":reader"})
                .exit_code,
            0);
  const std::string reader = Trimmed(Kubectl({"create", "token", "reader", "-n", ns_}).out);
  EXPECT_EQ(attempt("get", "run-b", reader), "OK");
  EXPECT_EQ(attempt("log", "run-b", reader), "PERMISSION_DENIED");
  EXPECT_EQ(attempt("log", "run-b", token_), "OK") << "the runledger user Role may write";
}

// A replica that serves before its caches have synced (it starts, or
// restarts, while the API server is away) cannot know a run's token yet:
// it answers 503, which clients and runledger-capture retry, never the 401
// that would make them drop what they were sending.
TEST_F(TrackingTest, BeforeTheCachesSyncCallsAreRetriableNotRefused) {
  const std::string server = ClusterConfig().server;  // https://127.0.0.1:PORT
  TcpProxy proxy("127.0.0.1", std::stoi(server.substr(server.rfind(':') + 1)));
  proxy.Cut();
  const std::string replica = ns_ + "-late";
  std::jthread up([&] {
    StartOperator(replica,
                  {"RUNLEDGER_API_SERVER=https://127.0.0.1:" + std::to_string(proxy.port())});
  });
  // HTTP status and body of experiments/get as `token`, from `replica`.
  auto get_default = [&](const std::string& token) {
    const std::string port =
        Trimmed(e2e::Run({SourceDir() + "/e2e/operator", "port", replica, "tracking"}).out);
    return e2e::Run(
               {"curl", "-s", "-w", "\n%{http_code}", "-H", "Authorization: Bearer " + token,
                "http://127.0.0.1:" + port + "/api/2.0/mlflow/experiments/get?experiment_id=0"})
        .out;
  };
  std::string answer;
  ASSERT_TRUE(Eventually(
      [&] {
        answer = get_default("not-a-token");
        return answer.ends_with("\n503");
      },
      seconds(30)))
      << answer;
  EXPECT_NE(answer.find("TEMPORARILY_UNAVAILABLE"), std::string::npos) << answer;
  proxy.Restore();
  up.join();  // `up` returns once /readyz says the caches have synced.
  answer = get_default("not-a-token");
  EXPECT_TRUE(answer.ends_with("\n401")) << answer;
  answer = get_default(token_);
  EXPECT_TRUE(answer.ends_with("\n200")) << answer;
}

// SIGKILL while a client streams: every acknowledged point is kept, none
// twice, and the client's retries of what was not acknowledged fill the gap.
TEST_F(TrackingTest, AcknowledgedPointsSurviveSigkill) {
  const std::string progress =
      (std::filesystem::temp_directory_path() / ("runledger-stream-" + ns_)).string();
  auto acknowledged = [&] {
    std::ifstream in(progress);
    int batches = 0;
    in >> batches;
    return batches;
  };
  std::map<std::string, std::string> facts;
  {
    std::jthread client([&] { facts = Client({"stream", "500", progress}); });
    EXPECT_TRUE(Eventually([&] { return acknowledged() >= 30; }, seconds(60)));
    const std::string killed = OperatorPid();
    OperatorCommand({"kill", ns_});
    EXPECT_LT(acknowledged(), 500) << "the stream ended before the kill";
    StartOperator(ns_);
    EXPECT_NE(OperatorPid(), killed);
  }
  std::filesystem::remove(progress);
  EXPECT_EQ(facts["ok"], "stream");
  EXPECT_EQ(facts["points"], "5000");
  // The client's own retries (or, once they give up, the loop's) bridged
  // the restart.
  RecordProperty("retried_batches", facts["retried"]);
}

}  // namespace
}  // namespace runledger::e2e
