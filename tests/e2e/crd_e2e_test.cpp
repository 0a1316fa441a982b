// The CRDs as users meet them through kubectl: samples apply, invalid
// manifests are refused naming the field, a TrainingRun's spec cannot change,
// hyperparameters read back, printer columns and `kubectl explain` read well.
//
// Invalid and immutability samples carry their expectation in a header:
//   # why: <one sentence>
//   # expect: <text kubectl's output must contain>
#include <filesystem>
#include <fstream>
#include <regex>

#include "e2e_env.h"

namespace runledger::e2e {
namespace {

namespace fs = std::filesystem;
using kube::json;

std::string SamplesDir() { return SourceDir() + "/crds/samples"; }

std::vector<std::string> YamlFiles(const std::string& dir) {
  std::vector<std::string> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The text after "# expect: " in the file's header.
std::string Expectation(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# expect: ", 0) == 0) return line.substr(10);
  }
  return "";
}

std::string TestName(std::string file) {
  file = file.substr(0, file.size() - 5);
  std::replace_if(
      file.begin(), file.end(), [](char c) { return !std::isalnum(c); }, '_');
  return file;
}

class CrdTest : public NamespacedTest {
 protected:
  CommandResult Apply(const std::string& path) {
    return Kubectl({"apply", "--validate=strict", "-n", ns_, "-f", path});
  }
};

TEST_F(CrdTest, EveryValidSampleApplies) {
  const auto files = YamlFiles(SamplesDir());
  ASSERT_EQ(files.size(), 3u) << "one sample per resource";
  for (const auto& f : files) {
    CommandResult r = Apply(SamplesDir() + "/" + f);
    EXPECT_EQ(r.exit_code, 0) << f << ": " << r.err;
  }
}

class InvalidSampleTest : public CrdTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(InvalidSampleTest, IsRefusedNamingTheField) {
  const std::string path = SamplesDir() + "/invalid/" + GetParam();
  const std::string expect = Expectation(path);
  ASSERT_FALSE(expect.empty()) << path << " has no '# expect:' line";
  CommandResult r = Apply(path);
  EXPECT_NE(r.exit_code, 0) << path << " was accepted: " << r.out;
  EXPECT_NE(r.err.find(expect), std::string::npos)
      << "kubectl's error lacks \"" << expect << "\":\n"
      << r.err;
}

INSTANTIATE_TEST_SUITE_P(Samples, InvalidSampleTest,
                         ::testing::ValuesIn(YamlFiles(SamplesDir() + "/invalid")),
                         [](const auto& info) { return TestName(info.param); });

class ImmutabilityTest : public CrdTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(ImmutabilityTest, ChangedSpecIsRefused) {
  const std::string dir = SamplesDir() + "/immutability/";
  CommandResult original = Apply(dir + "original.yaml");
  ASSERT_EQ(original.exit_code, 0) << original.err;
  const std::string expect = Expectation(dir + GetParam());
  ASSERT_FALSE(expect.empty());
  CommandResult r = Apply(dir + GetParam());
  EXPECT_NE(r.exit_code, 0) << "accepted: " << r.out;
  EXPECT_NE(r.err.find(expect), std::string::npos) << r.err;
}

std::vector<std::string> ChangedVersions() {
  auto files = YamlFiles(SamplesDir() + "/immutability");
  std::erase(files, "original.yaml");
  return files;
}

INSTANTIATE_TEST_SUITE_P(Samples, ImmutabilityTest, ::testing::ValuesIn(ChangedVersions()),
                         [](const auto& info) { return TestName(info.param); });

TEST_F(CrdTest, SpecChangeThroughTheApiNamesTheRule) {
  ASSERT_EQ(Apply(SamplesDir() + "/trainingrun.yaml").exit_code, 0);
  auto run = client_->Get(kube::resources::kTrainingRuns, ns_, "lr-3e-4-b128");
  ASSERT_TRUE(run.ok());
  json changed = *run;
  changed["spec"]["params"]["lr"] = 0.1;
  auto refused = client_->Update(kube::resources::kTrainingRuns, ns_, changed);
  EXPECT_EQ(refused.status().code(), Code::kInvalidArgument) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("immutable"), std::string::npos)
      << refused.status().message();
  // Labels and status stay writable.
  json relabelled = *run;
  relabelled["metadata"]["labels"]["promoted"] = "true";
  EXPECT_TRUE(client_->Update(kube::resources::kTrainingRuns, ns_, relabelled).ok());
}

TEST_F(CrdTest, UnquotedHyperparametersReadBackWithTheirTypes) {
  ASSERT_EQ(Apply(SamplesDir() + "/trainingrun.yaml").exit_code, 0);
  auto run = client_->Get(kube::resources::kTrainingRuns, ns_, "lr-3e-4-b128");
  ASSERT_TRUE(run.ok());
  const json& params = (*run)["spec"]["params"];
  EXPECT_TRUE(params["lr"].is_number_float()) << params.dump();
  EXPECT_DOUBLE_EQ(params["lr"].get<double>(), 3e-4);
  EXPECT_TRUE(params["batch_size"].is_number_integer());
  EXPECT_EQ(params["batch_size"], 128);
  EXPECT_EQ(params["amp"], true);
  EXPECT_EQ(params["model"], "resnet50");
}

TEST_F(CrdTest, PrinterColumns) {
  for (const auto& f : YamlFiles(SamplesDir()))
    ASSERT_EQ(Apply(SamplesDir() + "/" + f).exit_code, 0);
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"experiments", {"NAME", "METRIC", "RUNS", "BEST", "AGE"}},
      {"trainingruns", {"NAME", "EXPERIMENT", "PHASE", "VALUE", "COMMIT", "AGE"}},
      {"retentionpolicies", {"NAME", "SCHEDULE", "DRY-RUN", "LAST-RUN", "DELETED", "AGE"}},
  };
  for (const auto& [resource, columns] : expected) {
    CommandResult r = Kubectl({"get", resource, "-n", ns_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string header = r.out.substr(0, r.out.find('\n'));
    for (const auto& column : columns) {
      EXPECT_TRUE(std::regex_search(header, std::regex("(^|\\s)" + column + "(\\s|$)")))
          << resource << " lacks column " << column << ": " << header;
    }
  }
  // Short names and the category work.
  CommandResult r = Kubectl({"get", "exp,tr,rp", "-n", ns_, "-o", "name"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  CommandResult all = Kubectl({"get", "runledger", "-n", ns_, "-o", "name"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(std::count(all.out.begin(), all.out.end(), '\n'), 3) << all.out;
}

// A tracked run: what the MLflow tracking API creates for code running
// elsewhere. No template; the API then writes status.tracking and the
// summarizer status.metrics and status.primaryMetric, by merge patches of
// the status subresource.
TEST_F(CrdTest, TrackedRunWithoutTemplateIsAcceptedWithTheTrackingApisStatus) {
  CommandResult created = Kubectl({"apply", "--validate=strict", "-n", ns_, "-f", "-"}, R"(
apiVersion: runledger.dev/v1alpha1
kind: TrainingRun
metadata: {name: notebook-run}
spec: {experimentRef: recsys-v3, parentRef: hpo-study}
)");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const json status = {{"tracking",
                        {{"status", "RUNNING"},
                         {"startTimeMs", 1767225600123},
                         {"lifecycleStage", "active"},
                         {"runName", "bright-owl-7"},
                         {"userId", "system:serviceaccount:ml:notebook"},
                         {"artifactUri", "s3://ml-artifacts/recsys/notebook-run"},
                         {"params", {{"lr", "0.001"}}},
                         {"tags", {{"mlflow.parentRunId", "0123456789abcdef0123456789abcdef"}}}}},
                       // last absent: it was NaN.
                       {"metrics",
                        {{"val_auc",
                          {{"last", 0.91},
                           {"min", 0.5},
                           {"max", 0.91},
                           {"count", 7},
                           {"step", 6},
                           {"timestamp", 1767225660000}}},
                         {"loss", {{"count", 1}, {"step", -1}, {"timestamp", 1767225660000}}}}},
                       {"primaryMetric", {{"name", "val_auc"}, {"value", 0.91}, {"step", 6}}},
                       {"artifacts", {{"tier", "best"}, {"expiresAt", "2027-06-01T00:00:00Z"}}}};
  auto patched = client_->Patch(kube::resources::kTrainingRuns, ns_, "notebook-run",
                                kube::PatchType::kMerge, {{"status", status}}, {}, "status");
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_EQ((*patched)["status"], status) << "nothing pruned";
  EXPECT_FALSE((*patched)["spec"].contains("template"));

  CommandResult wide = Kubectl({"get", "tr", "-n", ns_, "notebook-run", "-o", "wide"});
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  EXPECT_TRUE(std::regex_search(wide.out, std::regex(R"(\sPARENT\s)"))) << wide.out;
  EXPECT_TRUE(std::regex_search(wide.out, std::regex(R"(\s0\.91\s.*\shpo-study\s)"))) << wide.out;
  // Retention's tier and expiry, for a user wondering when the artifacts go.
  EXPECT_TRUE(std::regex_search(wide.out, std::regex(R"(\sTIER\s+EXPIRES\s)"))) << wide.out;
  EXPECT_TRUE(std::regex_search(wide.out, std::regex(R"(\sbest\s+2027-06-01T00:00:00Z\s)")))
      << wide.out;

  // An unknown MLflow status is refused naming the field.
  auto bad =
      client_->Patch(kube::resources::kTrainingRuns, ns_, "notebook-run", kube::PatchType::kMerge,
                     {{"status", {{"tracking", {{"status", "DONE"}}}}}}, {}, "status");
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("status.tracking.status"), std::string::npos)
      << bad.status().message();
}

TEST_F(CrdTest, RegexFormatWithItsPatternIsAccepted) {
  CommandResult r = Kubectl({"apply", "--validate=strict", "-n", ns_, "-f", "-"}, R"(
apiVersion: runledger.dev/v1alpha1
kind: TrainingRun
metadata: {name: regex-run}
spec:
  experimentRef: recsys-v3
  collect: {format: regex, pattern: 'metric (\w+)=(\S+) at step (\d+)'}
  template: {spec: {containers: [{name: trainer, image: img, command: [python, train.py]}]}}
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto run = client_->Get(kube::resources::kTrainingRuns, ns_, "regex-run");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ((*run)["spec"]["collect"]["stdout"], true) << "defaulted";
  EXPECT_EQ((*run)["spec"]["collect"]["pattern"], R"(metric (\w+)=(\S+) at step (\d+))");
}

TEST_F(CrdTest, CollectDefaultsToAutoFromStdout) {
  ASSERT_EQ(Apply(SamplesDir() + "/trainingrun.yaml").exit_code, 0);
  auto run = client_->Get(kube::resources::kTrainingRuns, ns_, "lr-3e-4-b128");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ((*run)["spec"]["collect"], (json{{"stdout", true}, {"format", "auto"}}));
}

// What the tracking API creates for mlflow.set_experiment("churn model (v2)").
TEST_F(CrdTest, ExperimentWithAnMlflowDisplayNameIsAccepted) {
  CommandResult r = Kubectl({"apply", "--validate=strict", "-n", ns_, "-f", "-"}, R"(
apiVersion: runledger.dev/v1alpha1
kind: Experiment
metadata:
  name: churn-model-v2
  annotations:
    runledger.dev/mlflow-tags: '{"team": "growth"}'
spec:
  displayName: churn model (v2)
  primaryMetric: {name: val_loss, goal: minimize}
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto exp = client_->Get(kube::resources::kExperiments, ns_, "churn-model-v2");
  ASSERT_TRUE(exp.ok());
  EXPECT_EQ((*exp)["spec"]["displayName"], "churn model (v2)");
  // bestRun with its run id, as the controller writes it.
  const json best = {{"name", "notebook-run"}, {"value", 0.12}, {"runId", "0123abcd"}};
  auto patched =
      client_->Patch(kube::resources::kExperiments, ns_, "churn-model-v2", kube::PatchType::kMerge,
                     {{"status", {{"bestRun", best}}}}, {}, "status");
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_EQ((*patched)["status"]["bestRun"], best);
  CommandResult get = Kubectl({"get", "exp", "-n", ns_, "churn-model-v2"});
  EXPECT_TRUE(std::regex_search(get.out, std::regex(R"(\s0\.12\s)"))) << get.out;
}

// Every property in a schema has a description, so `kubectl explain` reads well.
void ExpectDescribed(const json& schema, const std::string& path,
                     std::vector<std::string>* missing) {
  if (!schema.is_object()) return;
  if (auto props = schema.find("properties"); props != schema.end()) {
    for (const auto& [name, sub] : props->items()) {
      const std::string sub_path = path + "." + name;
      if (sub.value("description", "").empty()) missing->push_back(sub_path);
      ExpectDescribed(sub, sub_path, missing);
    }
  }
  if (auto items = schema.find("items"); items != schema.end())
    ExpectDescribed(*items, path + "[]", missing);
  if (auto extra = schema.find("additionalProperties"); extra != schema.end()) {
    ExpectDescribed(*extra, path + "{}", missing);
  }
}

TEST_F(CrdTest, EveryFieldHasADescription) {
  for (const auto& name : {"experiments", "trainingruns", "retentionpolicies"}) {
    auto crd = client_->Get(kube::resources::kCustomResourceDefinitions, "",
                            std::string(name) + ".runledger.dev");
    ASSERT_TRUE(crd.ok()) << crd.status().ToString();
    const json& schema = (*crd)["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    std::vector<std::string> missing;
    // metadata, apiVersion and kind are described by Kubernetes itself.
    for (const auto& part : {"spec", "status"}) {
      if (schema["properties"].contains(part)) {
        ExpectDescribed(schema["properties"][part], std::string(name) + "." + part, &missing);
      }
    }
    EXPECT_TRUE(missing.empty()) << "no description: " << json(missing).dump();
  }
}

TEST_F(CrdTest, ExplainReadsWell) {
  CommandResult r = Kubectl({"explain", "trainingrun.spec.dataset"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("DESCRIPTION"), std::string::npos);
  EXPECT_NE(r.out.find("snapshotId"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("uri"), std::string::npos);
  for (const auto& field : {"experiment.spec.primaryMetric", "retentionpolicy.spec.tiers.keep",
                            "trainingrun.status.metrics", "trainingrun.spec.collect.pattern",
                            "experiment.spec.displayName", "experiment.status.bestRun.runId"}) {
    CommandResult e = Kubectl({"explain", field});
    EXPECT_EQ(e.exit_code, 0) << field << ": " << e.err;
  }
}

TEST_F(CrdTest, ExplainTrackingReadsWell) {
  CommandResult r = Kubectl({"explain", "trainingrun.status.tracking"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("MLflow tracking API"), std::string::npos) << r.out;
  for (const auto& field : {"status", "startTimeMs", "endTimeMs", "lifecycleStage", "runName",
                            "userId", "artifactUri", "params", "tags"}) {
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\\n  " + std::string(field) + "\\s")))
        << field << " missing from:\n"
        << r.out;
  }
  EXPECT_NE(r.out.find("RUNNING, SCHEDULED, FINISHED"), std::string::npos) << "the enum is shown";
  CommandResult phase = Kubectl({"explain", "trainingrun.status.phase"});
  EXPECT_NE(phase.out.find("status.tracking.status"), std::string::npos) << phase.out;
}

}  // namespace
}  // namespace runledger::e2e
