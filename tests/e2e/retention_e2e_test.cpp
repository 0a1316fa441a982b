// RetentionPolicies end to end: runs logged by the official mlflow client
// with artifacts in a real S3 server on loopback (versitygw, or moto where
// storage classes matter), policies applied with kubectl, and what is left
// in the bucket and in the cluster afterwards. Runs are made "old" the way
// a user's are: the client reports an end_time days in the past.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "kube/json_fields.h"
#include "operator_fixture.h"
#include "s3_fixture.h"
#include "store/s3_object_store.h"

namespace runledger::e2e {
namespace {

using nlohmann::json;
using std::chrono::seconds;
namespace res = kube::resources;

constexpr char kBucket[] = "ml-artifacts";

class RetentionTest : public OperatorTest {
 protected:
  // An S3 server of `kind` with the bucket, and this test's operator using
  // it (plus `env`, e.g. a crash hook).
  void StartWithS3(const std::string& kind, const std::vector<std::string>& env = {},
                   const std::string& replica = "") {
    s3_ = std::make_unique<S3Server>(kind);
    ASSERT_TRUE(s3_->status().ok()) << s3_->status().ToString();
    ASSERT_TRUE(s3_->MakeBucket(kBucket).ok());
    StartReplica(replica.empty() ? ns_ : replica, env);
  }

  void StartReplica(const std::string& name, const std::vector<std::string>& env = {}) {
    std::vector<std::string> all = {"AWS_ACCESS_KEY_ID=" + s3_->access_key(),
                                    "AWS_SECRET_ACCESS_KEY=" + s3_->secret_key()};
    all.insert(all.end(), env.begin(), env.end());
    StartOperator(name, all, {"--s3-endpoint", s3_->endpoint()});
    uri_ = TrackingUri(name);
    token_ = Trimmed(OperatorCommand({"token", ns_}));
  }

  // Experiment `name` labelled team=recsys, artifacts in the bucket, ranked by val_auc.
  void ApplyRecsysExperiment(const std::string& name = "recsys") {
    Apply("apiVersion: runledger.dev/v1alpha1\nkind: Experiment\nmetadata:\n  name: " + name +
          "\n  labels: {team: recsys}\nspec:\n  artifactStore: s3://" + kBucket +
          "/team\n  primaryMetric: {name: val_auc, goal: maximize}\n");
  }

  // mlflow_client.py's "retention" scenario: r0..r<n-1>, failed and live,
  // ended `days_ago`. Returns TrainingRun names by run name, once every
  // finished run's status shows its phase (and r*'s metric).
  std::map<std::string, std::string> LogRuns(int n, int days_ago,
                                             const std::string& experiment = "recsys") {
    auto facts = MlflowClient(
        uri_, token_, {"retention", experiment, std::to_string(n), std::to_string(days_ago)});
    EXPECT_EQ(facts["ok"], "retention");
    std::map<std::string, std::string> names;
    for (const auto& [key, run_id] : facts) {
      if (key.rfind("run_", 0) != 0) continue;
      const std::string run = key.substr(4);
      EXPECT_TRUE(Eventually(
          [&] {
            const json tr = RunById(run_id);
            const json& status = kube::ObjectField(tr, "status");
            const std::string phase = kube::StringField(status, "phase");
            names[run] = kube::StringField(kube::ObjectField(tr, "metadata"), "name");
            if (run == "live") return phase == "Running";
            const bool settled = phase == "Succeeded" || phase == "Failed";
            return settled && (run[0] != 'r' || status.contains("primaryMetric"));
          },
          seconds(60)))
          << run;
      run_ids_[names[run]] = run_id;
    }
    return names;
  }

  void ApplyPolicy(bool dry_run, const std::string& tiers, int max_delete_percent = 100) {
    Apply(std::string("apiVersion: runledger.dev/v1alpha1\nkind: RetentionPolicy\n"
                      "metadata: {name: standard}\nspec:\n"
                      "  experimentSelector: {matchLabels: {team: recsys}}\n"
                      "  schedule: \"@every 1h\"\n  dryRun: ") +
          (dry_run ? "true" : "false") + "\n  safety: {maxDeletePercentPerRun: " +
          std::to_string(max_delete_percent) + "}\n  tiers:\n" + tiers);
  }

  json Policy() { return Get(res::kRetentionPolicies, "standard"); }
  // The policy's status; {} before its first write.
  json PolicyStatus() {
    const json policy = Policy();
    const json& status = kube::ObjectField(policy, "status");
    return status.is_object() ? status : json::object();
  }

  // Waits for a pass of the policy's current generation (dry or not).
  json AwaitPass(bool dry_run, seconds timeout = seconds(60)) {
    json status;
    EXPECT_TRUE(Eventually(
        [&] {
          const json policy = Policy();
          status = kube::ObjectField(policy, "status");
          if (!status.is_object()) return false;
          return kube::IntField(status, "observedGeneration") ==
                     kube::IntField(kube::ObjectField(policy, "metadata"), "generation") &&
                 status.value("lastRunDryRun", !dry_run) == dry_run && !status.contains("pass");
        },
        timeout))
        << status.dump(2) << OperatorLogTail(ns_);
    EXPECT_TRUE(status.contains("summary")) << status.dump(2);
    return status.contains("summary") ? status : json{{"summary", json::object()}};
  }

  std::unique_ptr<store::S3ObjectStore> Bucket() {
    store::S3StoreSettings settings;
    settings.connection.endpoint = s3_->endpoint();
    settings.credentials = [this] {
      return Result<store::s3::Credentials>(
          store::s3::Credentials{s3_->access_key(), s3_->secret_key(), {}});
    };
    auto bucket = store::S3ObjectStore::Open(std::string("s3://") + kBucket + "/team", settings);
    EXPECT_TRUE(bucket.ok()) << bucket.status().ToString();
    return bucket.ok() ? std::move(*bucket) : nullptr;
  }

  // Objects under the Experiment's prefix, by TrainingRun name: their storage classes.
  std::map<std::string, std::vector<std::string>> Objects(
      const std::string& experiment = "recsys") {
    std::map<std::string, std::string> name_of;
    for (const auto& [name, id] : run_ids_) name_of[id] = name;
    std::map<std::string, std::vector<std::string>> out;
    auto bucket = Bucket();
    store::ListRequest list;
    list.prefix = ns_ + "/" + experiment + "/";
    do {
      auto page = bucket->List(list);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (const auto& o : page->objects) {
        const std::string rest = o.key.substr(list.prefix.size());
        const std::string id = rest.substr(0, rest.find('/'));
        out[name_of.count(id) ? name_of[id] : id].push_back(o.storage_class);
      }
      list.continuation_token = page->next_continuation_token;
    } while (!list.continuation_token.empty());
    return out;
  }

  json Artifacts(const std::string& run) {
    return kube::ObjectField(kube::ObjectField(Get(res::kTrainingRuns, run), "status"),
                             "artifacts");
  }

  // Reasons of the Events about the policy.
  std::multiset<std::string> PolicyEventReasons() {
    const json events =
        json::parse(Kubectl({"get", "events", "-n", ns_, "-o", "json"}).out, nullptr, false);
    std::multiset<std::string> reasons;
    if (!events.is_object()) return reasons;
    for (const json& e : events.value("items", json::array())) {
      const json& about = kube::ObjectField(e, "involvedObject");
      if (kube::StringField(about, "kind") == "RetentionPolicy") {
        reasons.insert(kube::StringField(e, "reason"));
      }
    }
    return reasons;
  }

  std::unique_ptr<S3Server> s3_;
  std::string uri_, token_;
  std::map<std::string, std::string> run_ids_;  // TrainingRun name -> run id.
};

const char kStandardTiers[] = R"(  - name: promoted
    match: {promoted: true}
    keep: forever
  - name: top
    match: {topN: 2}
    keep: 180d
  - name: default
    keep: 30d
)";

// The sample's story: a dry run first (nothing touched, the plan in
// status), then for real. Promoted, held, top and running runs keep their
// artifacts; the rest lose them, and their metrics stay readable.
TEST_F(RetentionTest, DryRunShowsThePlanThenEnforcementDeletesExactlyIt) {
  StartWithS3("versitygw");
  ApplyRecsysExperiment();
  auto names = LogRuns(8, 40);
  ASSERT_EQ(
      Kubectl({"label", "tr", names["r0"], "-n", ns_, "runledger.dev/promoted=true"}).exit_code, 0);
  ASSERT_EQ(Kubectl({"annotate", "tr", names["r1"], "-n", ns_, "runledger.dev/legal-hold=true"})
                .exit_code,
            0);
  const auto before = Objects();
  ASSERT_EQ(before.size(), 10u) << "8 finished runs, failed and live, two files each";

  ApplyPolicy(true, kStandardTiers);
  json status = AwaitPass(true);
  // r2..r5 and failed (no metric: the catch-all) are due; r6, r7 are the top 2.
  EXPECT_EQ(status.value("previewTotal", -1), 5) << status.dump(2);
  std::set<std::string> previewed;
  for (const json& p : status.value("preview", json::array())) {
    EXPECT_EQ(p.value("action", ""), "Delete") << p.dump();
    previewed.insert(p.value("run", ""));
  }
  EXPECT_EQ(previewed, (std::set<std::string>{names["r2"], names["r3"], names["r4"], names["r5"],
                                              names["failed"]}));
  EXPECT_EQ(Objects(), before) << "a dry run touches nothing";
  EXPECT_EQ(kube::StringField(Artifacts(names["r7"]), "tier"), "top");
  EXPECT_EQ(kube::StringField(Artifacts(names["r0"]), "tier"), "promoted");
  EXPECT_FALSE(Artifacts(names["r0"]).contains("expiresAt")) << "promoted: kept forever";
  EXPECT_FALSE(kube::StringField(Artifacts(names["r2"]), "expiresAt").empty());
  const std::string listed = Kubectl({"get", "tr", "-n", ns_, "-o", "wide"}).out;
  EXPECT_NE(listed.find("promoted"), std::string::npos) << listed;

  ApplyPolicy(false, kStandardTiers);
  status = AwaitPass(false);
  EXPECT_EQ(status["summary"].value("deleted", -1), 5) << status.dump(2);
  EXPECT_EQ(status["summary"].value("evaluated", -1), 9) << status.dump(2);
  const auto after = Objects();
  for (const char* gone : {"r2", "r3", "r4", "r5", "failed"}) {
    EXPECT_EQ(after.count(names[gone]), 0u) << gone << " still has artifacts";
    EXPECT_TRUE(kube::BoolField(Artifacts(names[gone]), "deleted")) << gone;
  }
  for (const char* kept : {"r0", "r1", "r6", "r7", "live"}) {
    EXPECT_EQ(after.count(names[kept]), 1u) << kept << " lost its artifacts";
    EXPECT_FALSE(kube::BoolField(Artifacts(names[kept]), "deleted")) << kept;
  }
  EXPECT_TRUE(PolicyEventReasons().count("ArtifactsDeleted")) << "an Event per deletion batch";
  // Metrics and params are never retention's to delete.
  auto history = MlflowClient(uri_, token_, {"history", run_ids_[names["r3"]], "val_auc"});
  EXPECT_EQ(history["history"], "1:0.3");
}

// A policy that would delete every run (say, a mistyped metric name) is
// held to maxDeletePercentPerRun, and says so.
TEST_F(RetentionTest, TheSafetyValveStallsInsteadOfWipingTheBucket) {
  StartWithS3("versitygw");
  ApplyRecsysExperiment();
  auto names = LogRuns(9, 40);
  ApplyPolicy(false, "  - name: default\n    keep: 30d\n", 20);
  const json status = AwaitPass(false);
  // 11 runs with artifacts: at most floor(20% of 11) = 2 deletions per pass.
  EXPECT_EQ(status["summary"].value("deleted", -1), 2) << status.dump(2);
  EXPECT_EQ(status["summary"].value("deferred", -1), 8) << status.dump(2);
  json stalled;
  for (const json& c : status.value("conditions", json::array())) {
    if (c.value("type", "") == "Stalled") stalled = c;
  }
  ASSERT_TRUE(stalled.is_object()) << status.dump(2);
  EXPECT_EQ(stalled.value("reason", ""), "SafetyValve");
  EXPECT_NE(stalled.value("message", "").find("recsys"), std::string::npos) << stalled.dump();
  EXPECT_EQ(Objects().size(), 9u) << "11 runs, 2 deleted";
  EXPECT_TRUE(PolicyEventReasons().count("SafetyValve"));
}

// moto keeps storage classes: a run past its tier's transition moves to the
// colder class in place, and a second pass leaves it there.
TEST_F(RetentionTest, TransitionsMoveArtifactsToTheColderClassOnce) {
  StartWithS3("moto");
  ApplyRecsysExperiment();
  auto names = LogRuns(2, 40);
  const char* tiers = R"(  - name: default
    keep: 180d
    transitions:
    - {after: 30d, storageClass: STANDARD_IA}
)";
  ApplyPolicy(false, tiers);
  json status = AwaitPass(false);
  EXPECT_EQ(status["summary"].value("transitioned", -1), 3) << status.dump(2);
  for (const auto& [run, classes] : Objects()) {
    for (const auto& c : classes) {
      EXPECT_EQ(c, run == names["live"] ? "STANDARD" : "STANDARD_IA") << run;
    }
  }
  EXPECT_EQ(kube::StringField(Artifacts(names["r1"]), "storageClass"), "STANDARD_IA");
  // A new generation makes a new pass: nothing more to move.
  ASSERT_EQ(Kubectl({"patch", "rp", "standard", "-n", ns_, "--type=merge", "-p",
                     R"({"spec":{"schedule":"@every 2h"}})"})
                .exit_code,
            0);
  status = AwaitPass(false);
  EXPECT_EQ(status["summary"].value("transitioned", -1), 0) << status.dump(2);
  EXPECT_EQ(status["summary"].value("kept", -1), 3) << status.dump(2);
}

// SIGKILL after the first delete batch: the intent is in status, and the
// next replica resumes the pass — everything due goes, nothing else.
TEST_F(RetentionTest, KilledMidPassTheNextReplicaFinishesItAndNothingMore) {
  StartWithS3("versitygw", {"RUNLEDGER_TEST_CRASH_AFTER_DELETE_BATCH=1"}, ns_ + "-crash");
  ApplyRecsysExperiment();
  auto names = LogRuns(4, 40);
  // More files than one DeleteObjects call takes, in runs that are due.
  auto bucket = Bucket();
  for (const char* run : {"r0", "r1"}) {
    for (int i = 0; i < 700; ++i) {
      const std::string key =
          ns_ + "/recsys/" + run_ids_[names[run]] + "/checkpoints/" + std::to_string(i);
      ASSERT_TRUE(bucket->PutString(key, "step " + std::to_string(i)).ok());
    }
  }
  ApplyPolicy(false,
              "  - name: top\n    match: {topN: 2}\n    keep: forever\n"
              "  - name: default\n    keep: 30d\n");
  ASSERT_TRUE(Eventually(
      [&] {
        return e2e::Run({SourceDir() + "/e2e/operator", "status", ns_ + "-crash"}).exit_code != 0;
      },
      seconds(60)))
      << "the crash hook never fired";
  const json interrupted = PolicyStatus();
  EXPECT_TRUE(interrupted.contains("pass")) << interrupted.dump(2);
  const auto midway = Objects();
  EXPECT_GT(midway.count(names["r0"]) + midway.count(names["r1"]) + midway.count(names["failed"]),
            0u)
      << "the first batch cannot have done it all";

  StartReplica(ns_);
  const json status = AwaitPass(false, seconds(120));
  const auto after = Objects();
  for (const char* gone : {"r0", "r1", "failed"}) {
    EXPECT_EQ(after.count(names[gone]), 0u) << gone;
    EXPECT_TRUE(kube::BoolField(Artifacts(names[gone]), "deleted")) << gone;
  }
  for (const char* kept : {"r2", "r3", "live"}) {
    ASSERT_EQ(after.count(names[kept]), 1u) << kept;
    EXPECT_EQ(after.at(names[kept]).size(), 2u) << kept;
  }
}

// Credentials from a Secret instead of the environment: the operator reads
// it through the API server, and a Secret it cannot use stops the start
// with a message naming it.
TEST_F(RetentionTest, S3CredentialsComeFromASecret) {
  s3_ = std::make_unique<S3Server>("versitygw");
  ASSERT_TRUE(s3_->status().ok()) << s3_->status().ToString();
  ASSERT_TRUE(s3_->MakeBucket(kBucket).ok());
  ASSERT_EQ(Kubectl({"create", "secret", "generic", "half", "-n", ns_,
                     "--from-literal=AWS_ACCESS_KEY_ID=" + s3_->access_key()})
                .exit_code,
            0);
  const auto refused =
      e2e::Run({SourceDir() + "/e2e/operator", "up", ns_ + "-half", "--", "--namespace", ns_,
                "--leader-election-id", ns_ + "-half", "--s3-endpoint", s3_->endpoint(),
                "--s3-credentials-secret", ns_ + "/half"});
  operators_.push_back(ns_ + "-half");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(
      OperatorLogTail(ns_ + "-half")
          .find("the S3 credentials Secret " + ns_ + "/half has no key AWS_SECRET_ACCESS_KEY"),
      std::string::npos)
      << OperatorLogTail(ns_ + "-half");

  ASSERT_EQ(Kubectl({"create", "secret", "generic", "s3", "-n", ns_,
                     "--from-literal=AWS_ACCESS_KEY_ID=" + s3_->access_key(),
                     "--from-literal=AWS_SECRET_ACCESS_KEY=" + s3_->secret_key()})
                .exit_code,
            0);
  StartOperator(ns_, {},
                {"--s3-endpoint", s3_->endpoint(), "--s3-credentials-secret", ns_ + "/s3"});
  uri_ = TrackingUri(ns_);
  token_ = Trimmed(OperatorCommand({"token", ns_}));
  ApplyRecsysExperiment();
  auto names = LogRuns(2, 40);
  EXPECT_EQ(Objects().size(), 4u) << "artifacts went to the bucket with the Secret's key";
  ApplyPolicy(false, kStandardTiers);
  const json status = AwaitPass(false);
  EXPECT_EQ(status["summary"].value("deleted", -1), 1) << status.dump(2);
  EXPECT_EQ(Objects().count(names["failed"]), 0u);
}

// The S3 server gone for a minute: the pass waits with Ready False and a
// reason, then finishes; nothing protected is lost meanwhile.
TEST_F(RetentionTest, AnObjectStoreOutagePausesRetentionUntilItIsBack) {
  StartWithS3("versitygw");
  ApplyRecsysExperiment();
  auto names = LogRuns(2, 40);
  ASSERT_TRUE(s3_->Stop().ok());
  const auto stopped = std::chrono::steady_clock::now();
  ApplyPolicy(false, kStandardTiers);
  json ready = json::object();
  ASSERT_TRUE(Eventually(
      [&] {
        for (const json& c : PolicyStatus().value("conditions", json::array())) {
          if (c.value("type", "") == "Ready") ready = c;
        }
        return ready.value("reason", "") == "ObjectStoreUnavailable";
      },
      seconds(90)))
      << ready.dump() << OperatorLogTail(ns_);
  EXPECT_EQ(ready.value("status", ""), "False");
  // A run still logs metrics meanwhile: they are not in that bucket.
  auto logged = MlflowClient(uri_, token_, {"attempt", "log", run_ids_[names["live"]]});
  EXPECT_EQ(logged["result"], "OK");
  ASSERT_TRUE(Eventually([&] { return std::chrono::steady_clock::now() - stopped > seconds(60); },
                         seconds(90)));
  EXPECT_EQ(kube::IntField(kube::ObjectField(PolicyStatus(), "summary"), "deleted").value_or(0), 0)
      << "no pass while the store was away";
  ASSERT_TRUE(s3_->Start().ok());
  const json status = AwaitPass(false, seconds(120));
  EXPECT_EQ(status["summary"].value("deleted", -1), 1) << "failed; r0, r1 are the top 2";
  const auto after = Objects();
  EXPECT_EQ(after.count(names["failed"]), 0u);
  for (const char* kept : {"r0", "r1", "live"}) EXPECT_EQ(after.count(names[kept]), 1u) << kept;
}

}  // namespace
}  // namespace runledger::e2e
