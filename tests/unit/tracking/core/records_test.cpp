#include "tracking/records.h"

#include <gtest/gtest.h>

namespace runledger::tracking {
namespace {

using nlohmann::json;

constexpr const char* kUid = "01234567-89ab-cdef-0123-456789abcdef";
constexpr const char* kUidHex = "0123456789abcdef0123456789abcdef";

json Experiment(const std::string& name, json spec = json::object(),
                json annotations = json::object()) {
  return {{"metadata",
           {{"name", name},
            {"namespace", "team"},
            {"uid", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
            {"resourceVersion", "17"},
            {"creationTimestamp", "2023-11-14T22:13:20Z"},
            {"annotations", std::move(annotations)}}},
          {"spec", std::move(spec)}};
}

// A TrainingRun applied with kubectl, reconciled, never seen by the API.
json AppliedRun() {
  return json::parse(R"j({
    "metadata": {"name": "mnist-7", "namespace": "team", "uid": "01234567-89ab-cdef-0123-456789abcdef",
                 "resourceVersion": "42", "creationTimestamp": "2023-11-14T22:13:20Z"},
    "spec": {"experimentRef": "mnist", "params": {"lr": "0.01", "epochs": 3},
             "tags": {"owner": "bob"}, "source": {"git": {"url": "https://git.example/m.git"}}},
    "status": {"phase": "Running", "experimentId": "e1", "startTime": "2023-11-14T22:13:25Z",
               "source": {"commit": "abc123"}, "dataset": {"snapshotId": "snap-9"},
               "tokenHash": "sha256:ff"}})j");
}

TEST(RecordsTest, MillisOfRfc3339) {
  EXPECT_EQ(MillisOf("2023-11-14T22:13:20Z"), 1700000000000);
  EXPECT_EQ(MillisOf("2023-11-14T22:13:20.123Z"), 1700000000123);
  EXPECT_EQ(MillisOf("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(MillisOf("yesterday"), std::nullopt);
  EXPECT_EQ(MillisOf(""), std::nullopt);
}

TEST(RecordsTest, RunArtifactUri) {
  EXPECT_EQ(RunArtifactUri("7", kUidHex),
            std::string("mlflow-artifacts:/7/") + kUidHex + "/artifacts");
}

TEST(ExperimentRecordTest, DefaultIsMlflowsExperimentZero) {
  const json e = Experiment("default");
  EXPECT_EQ(ExperimentIdOf(e), "0");
  EXPECT_EQ(ExperimentNameOf(e), "Default");
  const ExperimentRecord r = ExperimentFromObject(e);
  EXPECT_EQ(r.experiment_id, "0");
  EXPECT_EQ(r.artifact_location, "mlflow-artifacts:/0");
}

TEST(ExperimentRecordTest, IdIsTheUidWithoutDashes) {
  EXPECT_EQ(ExperimentIdOf(Experiment("mnist")), "aaaaaaaabbbbccccddddeeeeeeeeeeee");
}

TEST(ExperimentRecordTest, NameIsNamespaceSlashNameOrTheDisplayName) {
  EXPECT_EQ(ExperimentNameOf(Experiment("mnist")), "team/mnist");
  EXPECT_EQ(ExperimentNameOf(Experiment("mnist", {{"displayName", "MNIST sweeps"}})),
            "MNIST sweeps");
}

TEST(ExperimentRecordTest, FromObject) {
  const ExperimentRecord r = ExperimentFromObject(
      Experiment("mnist",
                 {{"primaryMetric", {{"name", "val_loss"}, {"goal", "minimize"}}},
                  {"artifactStore", "s3://bucket/p"}},
                 {{kExperimentTagsAnnotation, R"({"owner":"bob","n":3})"}}));
  EXPECT_EQ(r.name, "team/mnist");
  EXPECT_EQ(r.ns, "team");
  EXPECT_EQ(r.resource_name, "mnist");
  EXPECT_EQ(r.resource_version, "17");
  EXPECT_EQ(r.primary_metric, "val_loss");
  EXPECT_FALSE(r.maximize);
  EXPECT_EQ(r.artifact_store, "s3://bucket/p");
  // Clients are told the proxy, never the store behind it.
  EXPECT_EQ(r.artifact_location, "mlflow-artifacts:/aaaaaaaabbbbccccddddeeeeeeeeeeee");
  EXPECT_EQ(r.lifecycle_stage, kActive);
  EXPECT_EQ(r.creation_time_ms, 1700000000000);
  EXPECT_EQ(r.last_update_time_ms, 1700000000000);
  EXPECT_EQ(r.tags, (std::map<std::string, std::string>{{"owner", "bob"}}));
}

TEST(ExperimentRecordTest, PrimaryMetricIsMaximisedUnlessSaidOtherwise) {
  EXPECT_TRUE(
      ExperimentFromObject(Experiment("m", {{"primaryMetric", {{"name", "acc"}}}})).maximize);
  EXPECT_TRUE(ExperimentFromObject(Experiment("m")).maximize);
  EXPECT_EQ(ExperimentFromObject(Experiment("m")).primary_metric, "");
}

TEST(ExperimentRecordTest, DeletedByAnnotation) {
  EXPECT_EQ(ExperimentFromObject(Experiment("m", {}, {{kLifecycleAnnotation, "deleted"}}))
                .lifecycle_stage,
            kDeleted);
}

// The annotation is user-editable: a broken one loses the tags, not the
// experiment.
TEST(ExperimentRecordTest, MalformedTagsAnnotationIsNoTags) {
  for (const char* tags : {"{", "[1,2]", "\"x\"", "null"}) {
    EXPECT_TRUE(
        ExperimentFromObject(Experiment("m", {}, {{kExperimentTagsAnnotation, tags}})).tags.empty())
        << tags;
  }
}

TEST(ExperimentRecordTest, EmptyObjectDoesNotThrow) {
  const ExperimentRecord r = ExperimentFromObject(json::object());
  EXPECT_EQ(r.creation_time_ms, 0);
  EXPECT_EQ(r.name, "/");
}

TEST(RunRecordTest, AppliedRunReadsFromWhatTheOperatorRecorded) {
  const RunRecord r = RunFromObject(AppliedRun());
  EXPECT_EQ(r.run_id, kUidHex);
  EXPECT_EQ(r.experiment_id, "e1");
  EXPECT_EQ(r.run_name, "mnist-7");
  EXPECT_EQ(r.status, kRunning);
  EXPECT_EQ(r.start_time_ms, 1700000005000);
  EXPECT_EQ(r.end_time_ms, std::nullopt);
  EXPECT_EQ(r.lifecycle_stage, kActive);
  EXPECT_EQ(r.artifact_uri, RunArtifactUri("e1", kUidHex));
  EXPECT_EQ(r.ns, "team");
  EXPECT_EQ(r.name, "mnist-7");
  EXPECT_EQ(r.experiment_ref, "mnist");
  EXPECT_EQ(r.token_hash, "sha256:ff");
  EXPECT_EQ(r.resource_version, "42");
  // Only string params are MLflow params.
  EXPECT_EQ(r.params, (std::map<std::string, std::string>{{"lr", "0.01"}}));
}

TEST(RunRecordTest, ProvenanceAsMlflowSystemTags) {
  const RunRecord r = RunFromObject(AppliedRun());
  EXPECT_EQ(r.tags.at("mlflow.source.git.commit"), "abc123");
  EXPECT_EQ(r.tags.at("mlflow.source.type"), "JOB");
  EXPECT_EQ(r.tags.at("mlflow.source.git.repoURL"), "https://git.example/m.git");
  EXPECT_EQ(r.tags.at("runledger.dataset.snapshotId"), "snap-9");
  EXPECT_EQ(r.tags.at("runledger.trainingRun"), "team/mnist-7");
  EXPECT_EQ(r.tags.at("mlflow.runName"), "mnist-7");
  EXPECT_EQ(r.tags.at("owner"), "bob");
  EXPECT_FALSE(r.tags.contains("mlflow.user"));
}

TEST(RunRecordTest, StatusOfEachPhase) {
  const std::pair<const char*, const char*> cases[] = {{"Succeeded", kFinished},
                                                       {"Failed", kFailed},
                                                       {"Running", kRunning},
                                                       {"Pending", kScheduled},
                                                       {"", kScheduled}};
  for (const auto& [phase, status] : cases) {
    json run = AppliedRun();
    run["status"]["phase"] = phase;
    EXPECT_EQ(RunFromObject(run).status, status) << phase;
  }
}

TEST(RunRecordTest, CompletionTimeIsTheEndTime) {
  json run = AppliedRun();
  run["status"]["phase"] = "Succeeded";
  run["status"]["completionTime"] = "2023-11-14T22:15:00Z";
  EXPECT_EQ(RunFromObject(run).end_time_ms, 1700000100000);
}

TEST(RunRecordTest, StartTimeFallsBackToCreation) {
  json run = AppliedRun();
  run["status"].erase("startTime");
  EXPECT_EQ(RunFromObject(run).start_time_ms, 1700000000000);
}

// What the tracking API wrote (status.tracking) wins over what the
// operator recorded; spec params and tags stay beside the API's.
TEST(RunRecordTest, TrackingStateWins) {
  json run = AppliedRun();
  run["status"]["tracking"] = json::parse(R"j({
      "runName": "bright-owl", "userId": "alice", "status": "KILLED",
      "startTimeMs": 1700000001000, "endTimeMs": 1700000002000, "lifecycleStage": "deleted",
      "artifactUri": "s3://bucket/elsewhere",
      "params": {"lr": "0.02", "batch": "32"}, "tags": {"owner": "carol", "note": "n"}})j");
  const RunRecord r = RunFromObject(run);
  EXPECT_EQ(r.run_name, "bright-owl");
  EXPECT_EQ(r.user_id, "alice");
  EXPECT_EQ(r.status, kKilled);
  EXPECT_EQ(r.start_time_ms, 1700000001000);
  EXPECT_EQ(r.end_time_ms, 1700000002000);
  EXPECT_EQ(r.lifecycle_stage, kDeleted);
  EXPECT_EQ(r.artifact_uri, RunArtifactUri(r.experiment_id, r.run_id))
      << "artifacts always go through the operator's proxy";
  EXPECT_EQ(r.params, (std::map<std::string, std::string>{{"lr", "0.02"}, {"batch", "32"}}));
  EXPECT_EQ(r.tags.at("owner"), "carol");
  EXPECT_EQ(r.tags.at("note"), "n");
  EXPECT_EQ(r.tags.at("mlflow.runName"), "bright-owl");
  EXPECT_EQ(r.tags.at("mlflow.user"), "alice");
}

// mlflow.runName is the run's name, whatever a tag says (the UI shows it).
TEST(RunRecordTest, RunNameTagFollowsTheRunName) {
  json run = AppliedRun();
  run["spec"]["tags"]["mlflow.runName"] = "stale";
  EXPECT_EQ(RunFromObject(run).tags.at("mlflow.runName"), "mnist-7");
}

TEST(RunRecordTest, ExperimentIdFromTheCallerWins) {
  const RunRecord r = RunFromObject(AppliedRun(), "known");
  EXPECT_EQ(r.experiment_id, "known");
  EXPECT_EQ(r.artifact_uri, RunArtifactUri("known", kUidHex));
}

TEST(RunRecordTest, DefaultExperimentIsZero) {
  json run = AppliedRun();
  run["spec"]["experimentRef"] = "default";
  run["status"].erase("experimentId");
  EXPECT_EQ(RunFromObject(run).experiment_id, "0");
}

TEST(RunRecordTest, UnknownExperimentLeavesNoArtifactUri) {
  json run = AppliedRun();
  run["status"].erase("experimentId");
  const RunRecord r = RunFromObject(run);
  EXPECT_EQ(r.experiment_id, "");
  EXPECT_EQ(r.artifact_uri, "");
}

// A half-written object (e.g. fresh from kubectl apply) never throws.
TEST(RunRecordTest, MistypedFieldsAreIgnored) {
  const json run = json::parse(R"j({"metadata": {"name": 5, "uid": ["x"]},
      "spec": {"params": [1], "tags": "x", "experimentRef": {}},
      "status": {"phase": 3, "tracking": {"startTimeMs": "soon", "params": null}}})j");
  const RunRecord r = RunFromObject(run);
  EXPECT_EQ(r.run_id, "");
  EXPECT_EQ(r.status, kScheduled);
  EXPECT_EQ(r.start_time_ms, 0);
  EXPECT_TRUE(r.params.empty());
  EXPECT_NO_THROW(RunFromObject(json::object()));
  EXPECT_NO_THROW(RunFromObject(json(nullptr)));
}

}  // namespace
}  // namespace runledger::tracking
