#include "operator_fixture.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "kube/json_fields.h"

namespace runledger::e2e {

using nlohmann::json;

std::string Trimmed(const std::string& s) { return std::string(TrimSpace(s)); }

std::filesystem::path GitServer::dir_;
std::string GitServer::base_url_;
std::string GitServer::url_;
std::string GitServer::main_sha_;

void GitServer::SetUp() {
  dir_ = std::filesystem::temp_directory_path() / ("runledger-git-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir_ / "root");
  // The server prints its URL on its first line once it listens.
  const std::string cmd = SourceDir() + "/e2e/git-server --root " + (dir_ / "root").string();
  server_ = popen(cmd.c_str(), "r");
  ASSERT_NE(server_, nullptr);
  char line[512] = {};
  ASSERT_NE(fgets(line, sizeof line, server_), nullptr) << "git-server printed nothing";
  base_url_ = Trimmed(line);
  main_sha_ = Commit("ranker", {});
  url_ = UrlOf("ranker");
}

void GitServer::TearDown() {
  if (server_) {
    e2e::Run({"pkill", "-f", "git-server --root " + (dir_ / "root").string()});
    pclose(server_);
  }
  std::filesystem::remove_all(dir_);
}

std::string GitServer::UrlOf(const std::string& name) { return base_url_ + name + ".git"; }

std::string GitServer::Commit(const std::string& name,
                              const std::map<std::string, std::string>& files) {
  const std::string work = (dir_ / "work" / name).string();
  const std::string bare = (dir_ / "root" / (name + ".git")).string();
  std::vector<std::vector<std::string>> steps;
  if (!std::filesystem::exists(work)) {
    std::filesystem::create_directories(work);
    steps.push_back({"git", "-C", work, "init", "-q", "-b", "main"});
  }
  for (const auto& [path, content] : files) std::ofstream(work + "/" + path) << content;
  steps.push_back({"git", "-C", work, "add", "-A"});
  steps.push_back({"git", "-C", work, "-c", "user.email=e2e@runledger.dev", "-c", "user.name=e2e",
                   "commit", "-q", "--allow-empty", "-m", "train.py"});
  if (!std::filesystem::exists(bare)) {
    steps.push_back({"git", "clone", "-q", "--bare", work, bare});
  } else {
    steps.push_back({"git", "-C", work, "push", "-q", bare, "main"});
  }
  for (const auto& step : steps) {
    auto r = e2e::Run(step);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  return Trimmed(e2e::Run({"git", "-C", work, "rev-parse", "main"}).out);
}

void OperatorTest::TearDown() {
  for (const auto& name : operators_) e2e::Run({SourceDir() + "/e2e/operator", "down", name});
  NamespacedTest::TearDown();
}

void OperatorTest::StartOperator(const std::string& name, const std::vector<std::string>& env,
                                 const std::vector<std::string>& flags) {
  std::vector<std::string> argv = {"env"};
  for (const auto& e : env) argv.push_back(e);
  for (const auto& a :
       {SourceDir() + "/e2e/operator", std::string("up"), name, std::string("--"),
        std::string("--namespace"), ns_, std::string("--leader-election-id"), ns_}) {
    argv.push_back(a);
  }
  for (const auto& f : flags) argv.push_back(f);
  operators_.push_back(name);
  auto r = e2e::Run(argv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

std::string OperatorTest::OperatorCommand(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SourceDir() + "/e2e/operator"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = e2e::Run(argv);
  EXPECT_EQ(r.exit_code, 0) << "e2e/operator " << args[0] << ": " << r.err;
  return r.out;
}

std::string OperatorTest::OperatorLogTail(const std::string& name) {
  const std::string log = OperatorCommand({"logs", name});
  return log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
}

std::string OperatorTest::TrackingUri(const std::string& name) {
  return "http://127.0.0.1:" + Trimmed(OperatorCommand({"port", name, "tracking"}));
}

const std::string& OperatorTest::VenvPython() {
  static const std::string python = Trimmed(e2e::Run({SourceDir() + "/e2e/python"}).out);
  return python;
}

std::map<std::string, std::string> OperatorTest::MlflowClient(const std::string& uri,
                                                              const std::string& token,
                                                              const std::vector<std::string>& args,
                                                              const std::vector<std::string>& env) {
  // A client stuck on an answer that never comes fails here, with its
  // output, rather than at the test's time limit without any.
  std::vector<std::string> argv = {"timeout", "--kill-after=5", "150", "env",
                                   "MLFLOW_TRACKING_URI=" + uri, "MLFLOW_TRACKING_TOKEN=" + token,
                                   // Fail fast rather than retry a refused call for minutes.
                                   "MLFLOW_HTTP_REQUEST_MAX_RETRIES=2"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(VenvPython());
  argv.push_back(SourceDir() + "/tests/e2e/mlflow_client.py");
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = e2e::Run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << "\noperator log:\n"
                            << (operators_.empty() ? "" : OperatorLogTail(operators_.back()));
  std::map<std::string, std::string> facts;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) facts[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return facts;
}

void OperatorTest::Apply(const std::string& yaml, const std::string& ns) {
  auto r = Kubectl({"apply", "-n", ns.empty() ? ns_ : ns, "-f", "-"}, yaml);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

void OperatorTest::ApplyExperiment(const std::string& extra_spec, const std::string& ns) {
  Apply(R"(apiVersion: runledger.dev/v1alpha1
kind: Experiment
metadata: {name: exp}
spec:
  primaryMetric: {name: val_auc, goal: maximize}
)" + extra_spec,
        ns);
}

std::string OperatorTest::RunYaml(const std::string& name, const std::string& annotations,
                                  const std::string& tags) {
  return R"(apiVersion: runledger.dev/v1alpha1
kind: TrainingRun
metadata: {name: )" +
         name + R"(}
spec:
  experimentRef: exp
  source: {git: {url: ")" +
         GitServer::url() + R"(", revision: main}}
  dataset: {uri: "s3://lake/train", snapshotId: "snap-1"}
  params: {lr: 0.001}
  tags: )" +
         tags + R"(
  template:
    metadata: {annotations: )" +
         annotations + R"(}
    spec:
      containers:
      - name: trainer
        image: registry.example.com/ranker:1
        command: [python, train.py]
        args: [--epochs, "3"]
)";
}

json OperatorTest::Get(const kube::Resource& r, const std::string& name, const std::string& ns) {
  auto got = client_->Get(r, ns.empty() ? ns_ : ns, name);
  return got.ok() ? *got : json();
}

json OperatorTest::RunById(const std::string& run_id) {
  auto list = client_->List(kube::resources::kTrainingRuns, ns_);
  if (!list.ok()) return json();
  for (const json& run : list->items) {
    if (kube::StringField(kube::ObjectField(run, "status"), "runId") == run_id) return run;
  }
  return json();
}

std::string OperatorTest::Phase(const std::string& run, const std::string& ns) {
  return kube::StringField(
      kube::ObjectField(Get(kube::resources::kTrainingRuns, run, ns), "status"), "phase");
}

size_t OperatorTest::JobCount() {
  auto list = client_->List(kube::resources::kJobs, ns_);
  return list.ok() ? list->items.size() : 0;
}

std::string OperatorTest::ConditionMessage(const std::string& run, const std::string& type) {
  json status = kube::ObjectField(Get(kube::resources::kTrainingRuns, run), "status");
  for (const auto& c : kube::AnyField(status, "conditions")) {
    if (kube::StringField(c, "type") == type) return kube::StringField(c, "message");
  }
  return "";
}

}  // namespace runledger::e2e
