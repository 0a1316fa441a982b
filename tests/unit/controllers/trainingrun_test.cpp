// The TrainingRun decision as a table of observed state -> plan.
#include "controllers/trainingrun.h"

#include <gtest/gtest.h>

#include "capture/summary.h"
#include "controllers/trainingrun_job.h"

namespace runledger::controllers {
namespace {

using nlohmann::json;

const char kSha[] = "0123456789abcdef0123456789abcdef01234567";

json MakeRun() {
  return json::parse(R"({
    "apiVersion": "runledger.dev/v1alpha1", "kind": "TrainingRun",
    "metadata": {"name": "r1", "namespace": "ml", "uid": "11111111-2222-3333-4444-555555555555",
                 "generation": 1, "labels": {"kueue.x-k8s.io/queue-name": "gpu"}},
    "spec": {
      "experimentRef": "exp",
      "source": {"git": {"url": "https://user:pw@git.example.com/ml/r.git", "revision": "main"}},
      "dataset": {"uri": "s3://lake/train", "snapshotId": "snap-7"},
      "params": {"lr": 0.0003, "model": "resnet"},
      "tags": {"team": "recsys"},
      "template": {"spec": {"containers": [
        {"name": "trainer", "image": "img", "command": ["python", "train.py"], "args": ["--x", "a b"]}]}}
    }})");
}

json Experiment(json spec = json::object()) {
  return {{"metadata",
           {{"name", "exp"}, {"namespace", "ml"}, {"uid", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}}},
          {"spec", spec}};
}

// The status a first pass records: what a second pass launches from.
json Recorded() {
  return {
      {"phase", "Pending"},
      {"source",
       {{"commit", kSha}, {"shortCommit", "0123456"}, {"resolvedFrom", "main"}, {"dirty", false}}},
      {"dataset", {{"uri", "s3://lake/train"}, {"snapshotId", "snap-7"}}},
      {"tokenSecretName", "r1-token"},
      {"tokenHash", TokenHash("tok")}};
}

TrainingRunObserved Observed(json run = MakeRun()) {
  TrainingRunObserved o;
  o.run = std::move(run);
  o.experiment = Experiment();
  o.new_token = "tok";
  o.now = FakeClock().SystemNow();
  return o;
}

const json* Cond(const json& status, const std::string& type) {
  for (const auto& c : status["conditions"])
    if (c["type"] == type) return &c;
  return nullptr;
}

TEST(DecideTrainingRunTest, ExperimentMissingWaitsWithoutError) {
  auto o = Observed();
  o.experiment.reset();
  auto plan = DecideTrainingRun(o, {});
  EXPECT_TRUE(plan.result.ok());
  EXPECT_FALSE(plan.job);
  ASSERT_TRUE(plan.status);
  EXPECT_EQ((*plan.status)["phase"], "Pending");
  EXPECT_EQ((*Cond(*plan.status, "Ready"))["reason"], "ExperimentNotFound");
}

TEST(DecideTrainingRunTest, MissingRequiredTagsAreNamed) {
  auto o = Observed();
  o.experiment = Experiment({{"requiredTags", {"team", "ticket", "task"}}});
  auto plan = DecideTrainingRun(o, {});
  EXPECT_FALSE(plan.job);
  const json* stalled = Cond(*plan.status, "Stalled");
  ASSERT_TRUE(stalled);
  EXPECT_EQ((*stalled)["reason"], "RequirementsNotMet");
  EXPECT_NE((*stalled)["message"].get<std::string>().find("spec.tags ticket, task"),
            std::string::npos)
      << (*stalled)["message"];
}

TEST(DecideTrainingRunTest, RequiredCommitWithoutSourceIsRefused) {
  json run = MakeRun();
  run["spec"].erase("source");
  auto o = Observed(run);
  o.experiment = Experiment({{"require", {{"gitCommit", true}}}});
  auto plan = DecideTrainingRun(o, {});
  EXPECT_FALSE(plan.job);
  EXPECT_NE((*Cond(*plan.status, "Stalled"))["message"].get<std::string>().find("spec.source.git"),
            std::string::npos);
}

TEST(DecideTrainingRunTest, RequiredSnapshotWithoutDatasetIsRefused) {
  json run = MakeRun();
  run["spec"].erase("dataset");
  auto o = Observed(run);
  o.experiment = Experiment({{"require", {{"datasetSnapshot", true}}}});
  auto plan = DecideTrainingRun(o, {});
  EXPECT_NE((*Cond(*plan.status, "Stalled"))["message"].get<std::string>().find("spec.dataset"),
            std::string::npos);
}

TEST(DecideTrainingRunTest, FirstPassRecordsCommitSnapshotAndTokenButDoesNotLaunch) {
  auto o = Observed();
  o.source = SourceLookup{Status(), kSha, "refs/heads/main"};
  auto plan = DecideTrainingRun(o, {});
  EXPECT_TRUE(plan.result.ok());
  EXPECT_FALSE(plan.job) << "launch only from what is already recorded";
  ASSERT_TRUE(plan.token_secret);
  EXPECT_EQ((*plan.token_secret)["stringData"]["token"], "tok");
  EXPECT_EQ((*plan.token_secret)["metadata"]["ownerReferences"][0]["controller"], true);
  const json& s = *plan.status;
  EXPECT_EQ(s["source"]["commit"], kSha);
  EXPECT_EQ(s["source"]["resolvedFrom"], "main");
  EXPECT_EQ(s["dataset"]["snapshotId"], "snap-7");
  EXPECT_EQ(s["tokenHash"], TokenHash("tok"));
  EXPECT_EQ(s["runId"], "11111111222233334444555555555555");
  EXPECT_EQ(s["experimentId"], "aaaaaaaabbbbccccddddeeeeeeeeeeee");
}

TEST(DecideTrainingRunTest, UnknownRefStallsAndIsRetried) {
  auto o = Observed();
  o.source = SourceLookup{NotFound("no ref 'main'"), "", ""};
  auto plan = DecideTrainingRun(o, {});
  EXPECT_EQ(plan.result.code(), Code::kUnavailable) << "retried with backoff";
  EXPECT_FALSE(plan.job);
  const json* stalled = Cond(*plan.status, "Stalled");
  ASSERT_TRUE(stalled);
  EXPECT_EQ((*stalled)["reason"], "SourceUnresolved");
  const std::string msg = (*stalled)["message"];
  EXPECT_NE(msg.find("https://git.example.com/ml/r.git"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("pw"), std::string::npos) << "no credentials in messages: " << msg;
}

TEST(DecideTrainingRunTest, FullCommitIsTakenAsGivenWithoutLookup) {
  json run = MakeRun();
  run["spec"]["source"]["git"]["revision"] = kSha;
  run["spec"]["source"]["git"]["dirty"] = true;
  EXPECT_FALSE(NeedsSourceResolution(run));
  auto plan = DecideTrainingRun(Observed(run), {});
  EXPECT_EQ((*plan.status)["source"]["commit"], kSha);
  EXPECT_EQ((*plan.status)["source"]["dirty"], true);
}

TEST(DecideTrainingRunTest, UnresolvableDatasetIsACondition) {
  json run = MakeRun();
  run["spec"]["dataset"] = {{"uri", "file:///data/missing"}};
  EXPECT_TRUE(NeedsDatasetResolution(run));
  auto o = Observed(run);
  o.source = SourceLookup{Status(), kSha, ""};
  o.dataset = DatasetLookup{NotFound("file:///data/missing does not exist"), ""};
  auto plan = DecideTrainingRun(o, {});
  EXPECT_EQ(plan.result.code(), Code::kFailedPrecondition);
  EXPECT_EQ((*Cond(*plan.status, "Stalled"))["reason"], "DatasetUnresolved");
}

TEST(DecideTrainingRunTest, FingerprintIsRecordedAsTheSnapshotAndMarked) {
  json run = MakeRun();
  run["spec"]["dataset"] = {{"uri", "file:///data/d"}};
  auto o = Observed(run);
  o.source = SourceLookup{Status(), kSha, ""};
  o.dataset = DatasetLookup{Status(), "sha256:abc"};
  auto plan = DecideTrainingRun(o, {});
  EXPECT_EQ((*plan.status)["dataset"]["snapshotId"], "sha256:abc");
  EXPECT_EQ((*plan.status)["dataset"]["fingerprint"], "sha256:abc");
}

TEST(DecideTrainingRunTest, SecondPassLaunchesTheJobWithInjection) {
  json run = MakeRun();
  run["status"] = Recorded();
  TrainingRunConfig config;
  config.tracking_uri = "http://10.0.0.1:5000";
  auto plan = DecideTrainingRun(Observed(run), config);
  ASSERT_TRUE(plan.job);
  EXPECT_FALSE(plan.token_secret);
  const json& job = *plan.job;
  EXPECT_EQ(job["metadata"]["name"], "r1");
  EXPECT_EQ(job["metadata"]["labels"]["kueue.x-k8s.io/queue-name"], "gpu");
  EXPECT_EQ(job["spec"]["backoffLimit"], 0);
  const json& pod = job["spec"]["template"]["spec"];
  EXPECT_EQ(pod["restartPolicy"], "Never");
  EXPECT_EQ(pod["initContainers"][0]["name"], "runledger-capture-install");
  const json& trainer = pod["containers"][0];
  EXPECT_EQ(trainer["command"],
            (json{"/runledger/bin/runledger-capture", "--", "python", "train.py", "--x", "a b"}));
  EXPECT_FALSE(trainer.contains("args"));
  std::map<std::string, json> env;
  for (const auto& e : trainer["env"]) env[e["name"]] = e;
  EXPECT_EQ(env["GIT_COMMIT"]["value"], kSha);
  EXPECT_EQ(env["GIT_URL"]["value"], "https://git.example.com/ml/r.git");
  EXPECT_EQ(env["DATASET_SNAPSHOT_ID"]["value"], "snap-7");
  EXPECT_EQ(env["MLFLOW_RUN_ID"]["value"], "11111111222233334444555555555555");
  EXPECT_EQ(env["MLFLOW_TRACKING_URI"]["value"], "http://10.0.0.1:5000");
  EXPECT_EQ(env["MLFLOW_TRACKING_TOKEN"]["valueFrom"]["secretKeyRef"]["name"], "r1-token");
  EXPECT_FALSE(env["MLFLOW_TRACKING_TOKEN"].contains("value")) << "token only by reference";
  EXPECT_EQ(json::parse(env["RUNLEDGER_PARAMS"]["value"].get<std::string>())["model"], "resnet");
  EXPECT_EQ((*plan.status)["jobName"], "r1");
}

// A run asking for its commit to be checked out, launched (second pass).
json LaunchedJobWithCheckout(json trainer_extra = json::object()) {
  json run = MakeRun();
  run["spec"]["source"]["git"]["checkout"] = {{"path", "/workspace"}};
  run["spec"]["source"]["git"]["secretRef"] = {{"name", "git-creds"}};
  run["spec"]["template"]["spec"]["containers"][0].update(trainer_extra);
  run["status"] = Recorded();
  auto plan = DecideTrainingRun(Observed(run), TrainingRunConfig{});
  return plan.job ? *plan.job : json();
}

TEST(DecideTrainingRunTest, CheckoutFetchesTheRecordedCommitIntoTheTrainersWorkingDir) {
  const json job = LaunchedJobWithCheckout();
  const json& pod = job["spec"]["template"]["spec"];
  ASSERT_EQ(pod["initContainers"].size(), 2u);
  const json& checkout = pod["initContainers"][1];
  EXPECT_EQ(checkout["name"], "runledger-checkout");
  EXPECT_EQ(checkout["image"], TrainingRunConfig{}.checkout_image);
  std::map<std::string, std::string> env;
  for (const auto& e : checkout["env"]) env[e["name"]] = e["value"];
  EXPECT_EQ(env["GIT_COMMIT"], kSha);
  EXPECT_EQ(env["GIT_URL"], "https://git.example.com/ml/r.git");
  EXPECT_EQ(env["RUNLEDGER_CHECKOUT_DIR"], "/workspace");
  const json& trainer = pod["containers"][0];
  EXPECT_EQ(trainer["workingDir"], "/workspace");
  bool trainer_mounts_checkout = false;
  for (const auto& m : trainer["volumeMounts"]) {
    EXPECT_NE(m["name"], "runledger-git-credentials") << "credentials stay in the init container";
    trainer_mounts_checkout |= m["mountPath"] == "/workspace";
  }
  EXPECT_TRUE(trainer_mounts_checkout);
  bool secret_volume = false;
  for (const auto& v : pod["volumes"]) {
    secret_volume |= v.contains("secret") && v["secret"]["secretName"] == "git-creds";
  }
  EXPECT_TRUE(secret_volume) << "credentials by reference, as a volume";
  EXPECT_EQ(job.dump().find(":pw@"), std::string::npos)
      << "the URL's password never reaches the pod";
}

TEST(DecideTrainingRunTest, CheckoutKeepsTheTemplatesOwnWorkingDir) {
  const json job = LaunchedJobWithCheckout({{"workingDir", "/workspace/src"}});
  EXPECT_EQ(job["spec"]["template"]["spec"]["containers"][0]["workingDir"], "/workspace/src");
}

TEST(DecideTrainingRunTest, StatusSaysWhetherTheCommitIsCheckedOut) {
  auto first_pass = [](json run) {
    auto o = Observed(std::move(run));
    o.source = SourceLookup{Status(), kSha, "refs/heads/main"};
    auto plan = DecideTrainingRun(o, {});
    return plan.status ? (*plan.status)["source"]["checkedOut"] : json();
  };
  json run = MakeRun();
  EXPECT_EQ(first_pass(run), false);
  run["spec"]["source"]["git"]["checkout"] = {{"path", "/workspace"}};
  EXPECT_EQ(first_pass(run), true);
}

TEST(DecideTrainingRunTest, TrainerWithoutCommandIsTerminal) {
  json run = MakeRun();
  run["spec"]["template"]["spec"]["containers"][0].erase("command");
  auto plan = DecideTrainingRun(Observed(run), {});
  EXPECT_EQ(plan.result.code(), Code::kInvalidArgument);
  EXPECT_FALSE(plan.job);
  const json* stalled = Cond(*plan.status, "Stalled");
  EXPECT_EQ((*stalled)["reason"], "InvalidTemplate");
  EXPECT_NE((*stalled)["message"].get<std::string>().find("containers[0].command"),
            std::string::npos);
}

TEST(DecideTrainingRunTest, UserEnvOfAnInjectedNameIsRefusedNotOverwritten) {
  json run = MakeRun();
  run["spec"]["template"]["spec"]["containers"][0]["env"] = {
      {{"name", "GIT_COMMIT"}, {"value", "x"}}};
  run["status"] = Recorded();
  auto plan = DecideTrainingRun(Observed(run), {});
  EXPECT_EQ(plan.result.code(), Code::kInvalidArgument);
  EXPECT_FALSE(plan.job);
  EXPECT_NE((*Cond(*plan.status, "Stalled"))["message"].get<std::string>().find("GIT_COMMIT"),
            std::string::npos);
}

json Job(json status, std::string uid = "11111111-2222-3333-4444-555555555555") {
  return {
      {"metadata", {{"name", "r1"}, {"ownerReferences", {{{"uid", uid}, {"controller", true}}}}}},
      {"spec", {{"suspend", false}}},
      {"status", status}};
}

json Pod(std::string phase, json trainer_state, std::string created = "2026-01-01T00:00:00Z") {
  return {{"metadata", {{"name", "r1-abc"}, {"creationTimestamp", created}}},
          {"status",
           {{"phase", phase},
            {"containerStatuses",
             {{{"name", "trainer"},
               {"imageID", "docker.io/img@sha256:feed"},
               {"state", trainer_state}}}}}}};
}

TEST(DecideTrainingRunTest, JobAlreadyCreatedBeforeACrashIsAdoptedNotRecreated) {
  json run = MakeRun();
  run["status"] = Recorded();  // jobName never written: the crash came first.
  auto o = Observed(run);
  o.job = Job(json::object());
  auto plan = DecideTrainingRun(o, {});
  EXPECT_FALSE(plan.job);
  EXPECT_EQ((*plan.status)["jobName"], "r1");
  EXPECT_EQ((*plan.status)["phase"], "Pending");
}

TEST(DecideTrainingRunTest, RunningPodMakesTheRunRunning) {
  json run = MakeRun();
  run["status"] = Recorded();
  auto o = Observed(run);
  o.job = Job({{"active", 1}, {"startTime", "2026-01-01T00:00:01Z"}});
  o.pods = {Pod("Running", {{"running", {{"startedAt", "2026-01-01T00:00:05Z"}}}})};
  auto plan = DecideTrainingRun(o, {});
  const json& s = *plan.status;
  EXPECT_EQ(s["phase"], "Running");
  EXPECT_EQ(s["startTime"], "2026-01-01T00:00:05Z");
  EXPECT_EQ(s["env"]["imageDigest"], "sha256:feed");
  EXPECT_EQ(s["podName"], "r1-abc");
  EXPECT_EQ((*Cond(s, "Ready"))["status"], "True");
}

// Between the pod's end and the Job's Complete condition, and while a
// retried pod is Pending, the run does not fall back to Pending.
TEST(DecideTrainingRunTest, EndedPodBeforeTheJobConcludesKeepsTheRunRunning) {
  json run = MakeRun();
  run["status"] = Recorded();
  auto o = Observed(run);
  o.job = Job({{"startTime", "2026-01-01T00:00:01Z"}});
  o.pods = {
      Pod("Succeeded",
          {{"terminated",
            {{"exitCode", 0}, {"reason", "Completed"}, {"startedAt", "2026-01-01T00:00:05Z"}}}})};
  EXPECT_EQ((*DecideTrainingRun(o, {}).status)["phase"], "Running");

  run["status"]["phase"] = "Running";
  o = Observed(run);
  o.job = Job({{"active", 1}, {"startTime", "2026-01-01T00:00:01Z"}});
  o.pods = {Pod("Pending", {{"waiting", {{"reason", "ContainerCreating"}}}})};
  EXPECT_EQ((*DecideTrainingRun(o, {}).status)["phase"], "Running");
}

TEST(DecideTrainingRunTest, FailedJobKeepsTheExitCodeAndReason) {
  json run = MakeRun();
  run["status"] = Recorded();
  auto o = Observed(run);
  o.job = Job({{"conditions",
                {{{"type", "Failed"},
                  {"status", "True"},
                  {"reason", "BackoffLimitExceeded"},
                  {"message", "Job has reached the specified backoff limit"},
                  {"lastTransitionTime", "2026-01-01T00:10:00Z"}}}}});
  o.pods = {Pod("Failed",
                {{"terminated",
                  {{"exitCode", 3}, {"reason", "Error"}, {"startedAt", "2026-01-01T00:00:05Z"}}}})};
  auto plan = DecideTrainingRun(o, {});
  const json& s = *plan.status;
  EXPECT_EQ(s["phase"], "Failed");
  EXPECT_EQ(s["failure"]["exitCode"], 3);
  EXPECT_EQ(s["failure"]["reason"], "Error");
  EXPECT_EQ(s["completionTime"], "2026-01-01T00:10:00Z");
  EXPECT_EQ((*Cond(s, "Stalled"))["reason"], "Failed");
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(plan.events[0].reason, "Failed");
}

// A run whose Job failed and whose trainer ended with `message`.
json FailedRunStatus(const std::string& message) {
  json run = MakeRun();
  run["status"] = Recorded();
  auto o = Observed(run);
  o.job = Job({{"conditions",
                {{{"type", "Failed"},
                  {"status", "True"},
                  {"reason", "BackoffLimitExceeded"},
                  {"lastTransitionTime", "2026-01-01T00:10:00Z"}}}}});
  o.pods = {Pod("Failed", {{"terminated", {{"exitCode", 3}, {"message", message}}}})};
  auto plan = DecideTrainingRun(o, {});
  return plan.status ? *plan.status : json();
}

TEST(DecideTrainingRunTest, CaptureSummaryInTheTerminationMessageFillsEnv) {
  capture::CaptureSummary summary;
  summary.python = "3.11.2";
  summary.os = "Debian GNU/Linux 12 (bookworm)";
  summary.gpus = {{"NVIDIA H200", 143771}};
  summary.gpus_probed = true;
  const json s = FailedRunStatus(capture::WriteSummary(summary));
  EXPECT_EQ(s["env"]["python"], "3.11.2");
  EXPECT_EQ(s["env"]["gpu"], "H200 x1");
  EXPECT_EQ(s["env"]["os"], "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(s["env"]["imageDigest"], "sha256:feed");
  EXPECT_EQ(s["failure"].value("message", "").find("runledgerCapture"), std::string::npos)
      << "the summary is not the failure's message";
  EXPECT_EQ(s["failure"]["exitCode"], 3);
}

TEST(DecideTrainingRunTest, TrainersOwnTerminationMessageIsTheFailureMessage) {
  const json s = FailedRunStatus("CUDA out of memory");
  EXPECT_EQ(s["failure"]["message"], "CUDA out of memory");
  EXPECT_FALSE(s["env"].contains("python"));
}

TEST(DecideTrainingRunTest, CompleteJobMakesTheRunSucceeded) {
  json run = MakeRun();
  run["status"] = Recorded();
  auto o = Observed(run);
  o.job = Job({{"completionTime", "2026-01-01T01:00:00Z"},
               {"conditions", {{{"type", "Complete"}, {"status", "True"}}}}});
  o.pods = {
      Pod("Succeeded", {{"terminated", {{"exitCode", 0}, {"startedAt", "2026-01-01T00:00:05Z"}}}})};
  auto plan = DecideTrainingRun(o, {});
  EXPECT_EQ((*plan.status)["phase"], "Succeeded");
  EXPECT_EQ((*plan.status)["completionTime"], "2026-01-01T01:00:00Z");
  EXPECT_EQ((*Cond(*plan.status, "Ready"))["reason"], "Succeeded");
}

TEST(DecideTrainingRunTest, UnchangedStateWritesNoStatus) {
  json run = MakeRun();
  run["status"] = Recorded();
  auto o = Observed(run);
  o.job = Job({{"conditions", {{{"type", "Complete"}, {"status", "True"}}}}});
  auto first = DecideTrainingRun(o, {});
  ASSERT_TRUE(first.status);
  o.run["status"] = *first.status;
  auto second = DecideTrainingRun(o, {});
  EXPECT_FALSE(second.status);
}

TEST(DecideTrainingRunTest, StatusOfTheTrackingApiIsKeptWhileFollowingTheJob) {
  json run = MakeRun();
  run["status"] = Recorded();
  run["status"]["tracking"] = {{"status", "RUNNING"}, {"params", {{"lr", "0.0003"}}}};
  run["status"]["metrics"] = {{"auc", {{"last", 0.9}, {"count", 2}, {"timestamp", 1}}}};
  run["status"]["primaryMetric"] = {{"name", "auc"}, {"value", 0.9}, {"step", 2}};
  auto o = Observed(run);
  o.job = Job({{"completionTime", "2026-01-01T01:00:00Z"},
               {"conditions", {{{"type", "Complete"}, {"status", "True"}}}}});
  auto plan = DecideTrainingRun(o, {});
  ASSERT_TRUE(plan.status);
  EXPECT_EQ((*plan.status)["phase"], "Succeeded") << "a launched run follows its Job";
  for (const char* field : {"tracking", "metrics", "primaryMetric"}) {
    EXPECT_EQ((*plan.status)[field], run["status"][field]) << field;
  }
}

// RUNLEDGER_METRIC_FORMAT in the launched trainer, for `collect`.
Result<std::string> MetricFormatEnv(json collect) {
  json run = MakeRun();
  if (!collect.is_null()) run["spec"]["collect"] = std::move(collect);
  run["status"] = Recorded();
  auto plan = DecideTrainingRun(Observed(run), {});
  if (!plan.result.ok()) return plan.result;
  if (!plan.job) return Internal("no Job");
  for (const auto& e : (*plan.job)["spec"]["template"]["spec"]["containers"][0]["env"]) {
    if (e["name"] == "RUNLEDGER_METRIC_FORMAT") return e["value"].get<std::string>();
  }
  return NotFound("RUNLEDGER_METRIC_FORMAT not injected");
}

TEST(MetricFormatTest, AutoByDefault) {
  EXPECT_EQ(MetricFormatEnv(nullptr).value(), "auto");
  EXPECT_EQ(MetricFormatEnv({{"stdout", true}, {"format", "auto"}}).value(), "auto");
}

TEST(MetricFormatTest, NamedFormatIsPassedAsIs) {
  EXPECT_EQ(MetricFormatEnv({{"format", "json"}}).value(), "json");
  EXPECT_EQ(MetricFormatEnv({{"format", "keyvalue"}}).value(), "keyvalue");
  EXPECT_EQ(MetricFormatEnv({{"format", "none"}}).value(), "none");
}

TEST(MetricFormatTest, StdoutFalseIsNoneWhateverTheFormat) {
  EXPECT_EQ(MetricFormatEnv({{"stdout", false}, {"format", "json"}}).value(), "none");
}

TEST(MetricFormatTest, RegexCarriesItsPattern) {
  EXPECT_EQ(MetricFormatEnv({{"format", "regex"}, {"pattern", R"((\w+)=(\S+) @(\d+))"}}).value(),
            R"(regex:(\w+)=(\S+) @(\d+))");
}

TEST(MetricFormatTest, RegexWithFewerThanTwoGroupsIsAnInvalidTemplate) {
  json run = MakeRun();
  run["spec"]["collect"] = {{"format", "regex"}, {"pattern", "loss=(\\S+)"}};
  auto plan = DecideTrainingRun(Observed(run), {});
  EXPECT_EQ(plan.result.code(), Code::kInvalidArgument);
  EXPECT_FALSE(plan.job);
  const json* stalled = Cond(*plan.status, "Stalled");
  ASSERT_TRUE(stalled);
  EXPECT_EQ((*stalled)["reason"], "InvalidTemplate");
  EXPECT_NE((*stalled)["message"].get<std::string>().find("spec.collect.pattern"),
            std::string::npos)
      << (*stalled)["message"];
}

TEST(MetricFormatTest, RegexThatDoesNotCompileNamesTheField) {
  auto env = MetricFormatEnv({{"format", "regex"}, {"pattern", "(a)(b"}});
  EXPECT_EQ(env.status().code(), Code::kInvalidArgument);
  EXPECT_NE(env.status().message().find("spec.collect.pattern"), std::string::npos)
      << env.status().message();
}

TEST(MetricFormatTest, TemplateSettingItIsRefused) {
  json run = MakeRun();
  run["spec"]["template"]["spec"]["containers"][0]["env"] = {
      {{"name", "RUNLEDGER_METRIC_FORMAT"}, {"value", "json"}}};
  run["status"] = Recorded();
  auto plan = DecideTrainingRun(Observed(run), {});
  EXPECT_EQ(plan.result.code(), Code::kInvalidArgument);
  EXPECT_FALSE(plan.job);
}

TEST(DecideTrainingRunTest, JobOfTheSameNameNotOwnedIsNotAdopted) {
  json run = MakeRun();
  run["status"] = Recorded();
  auto o = Observed(run);
  o.job = Job(json::object(), "someone-else");
  auto plan = DecideTrainingRun(o, {});
  EXPECT_EQ(plan.result.code(), Code::kFailedPrecondition);
  EXPECT_EQ((*Cond(*plan.status, "Stalled"))["reason"], "JobNameTaken");
}

TEST(RedactUrlTest, DropsUserinfoOnly) {
  EXPECT_EQ(RedactUrl("https://u:p@h/x.git"), "https://h/x.git");
  EXPECT_EQ(RedactUrl("https://h/x@y.git"), "https://h/x@y.git");
  EXPECT_EQ(RedactUrl("git@github.com:org/r.git"), "git@github.com:org/r.git");
}

}  // namespace
}  // namespace runledger::controllers

namespace runledger::controllers {
namespace {

TEST(RejectedJobStatusTest, DropsTheJobNameAndStalls) {
  nlohmann::json status = {{"jobName", "r1"}, {"observedGeneration", 1}};
  auto out = RejectedJobStatus(status, "spec.template.spec.volumes: bad", FakeClock().SystemNow());
  EXPECT_FALSE(out.contains("jobName"));
  bool stalled = false;
  for (const auto& c : out["conditions"]) {
    if (c["type"] == "Stalled" && c["reason"] == "JobRejected") stalled = true;
  }
  EXPECT_TRUE(stalled) << out.dump();
}

TEST(DecideTrainingRunTest, MalformedRevisionIsTerminal) {
  auto o = Observed();
  o.source = SourceLookup{InvalidArgument("a short SHA cannot be resolved"), "", ""};
  EXPECT_EQ(DecideTrainingRun(o, {}).result.code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace runledger::controllers
