// The C++ Kubernetes client against a real kube-apiserver, etcd,
// controller-manager, scheduler and kwok (e2e/cluster).
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "base/file.h"
#include "e2e_env.h"

namespace runledger::e2e {
namespace {

using kube::json;
namespace res = kube::resources;

json Experiment(const std::string& name) {
  return {{"apiVersion", "runledger.dev/v1alpha1"},
          {"kind", "Experiment"},
          {"metadata", {{"name", name}}},
          {"spec", {{"primaryMetric", {{"name", "val_auc"}, {"goal", "maximize"}}}}}};
}

json TrainingRun(const std::string& name) {
  return {{"apiVersion", "runledger.dev/v1alpha1"},
          {"kind", "TrainingRun"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"experimentRef", "exp-a"},
            {"params", {{"lr", 3e-4}, {"batch_size", 128}, {"amp", true}}},
            {"template",
             {{"spec",
               {{"containers", json::array({{{"name", "trainer"},
                                             {"image", "python:3.11"},
                                             {"command", {"python", "train.py"}}}})}}}}}}}};
}

json RetentionPolicy(const std::string& name) {
  return {
      {"apiVersion", "runledger.dev/v1alpha1"},
      {"kind", "RetentionPolicy"},
      {"metadata", {{"name", name}}},
      {"spec",
       {{"schedule", "@every 1h"},
        {"tiers",
         json::array({{{"name", "promoted"}, {"match", {{"promoted", true}}}, {"keep", "forever"}},
                      {{"name", "default"}, {"keep", "30d"}}})}}}};
}

json Pod(const std::string& name, const json& annotations = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"annotations", annotations}}},
          {"spec",
           {{"containers",
             json::array({{{"name", "main"}, {"image", "busybox"}, {"command", {"true"}}}})}}}};
}

// Stops a watch when the test leaves its scope, also through a failed
// ASSERT, so the watch's future never waits for the server's timeout.
struct StopOnExit {
  std::stop_source& source;
  ~StopOnExit() { source.request_stop(); }
};

std::string ResourceVersion(const json& obj) {
  return obj["metadata"]["resourceVersion"].get<std::string>();
}

struct CrdCase {
  std::string name;
  kube::Resource resource;
  json (*make)(const std::string&);
  json status;
};

void PrintTo(const CrdCase& c, std::ostream* os) { *os << c.name; }

class KubeClientCrdTest : public NamespacedTest, public ::testing::WithParamInterface<CrdCase> {};

TEST_P(KubeClientCrdTest, CreateGetListUpdateStatusDelete) {
  const CrdCase& c = GetParam();
  auto created = client_->Create(c.resource, ns_, c.make("first"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ((*created)["metadata"]["namespace"], ns_);
  ASSERT_TRUE(client_->Create(c.resource, ns_, c.make("second")).ok());

  auto again = client_->Create(c.resource, ns_, c.make("first"));
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists) << again.status().ToString();

  auto got = client_->Get(c.resource, ns_, "first");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)["metadata"]["uid"], (*created)["metadata"]["uid"]);

  auto list = client_->List(c.resource, ns_);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->items.size(), 2u);
  EXPECT_FALSE(list->resource_version.empty());

  // A metadata update (labels are mutable even where the spec is not).
  json labelled = *got;
  labelled["metadata"]["labels"]["team"] = "recsys";
  auto updated = client_->Update(c.resource, ns_, labelled);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ((*updated)["metadata"]["labels"]["team"], "recsys");

  // The status subresource: written through /status, ignored through the main resource.
  json with_status = *updated;
  with_status["status"] = c.status;
  auto status_written = client_->Update(c.resource, ns_, with_status, "status");
  ASSERT_TRUE(status_written.ok()) << status_written.status().ToString();
  for (const auto& [key, value] : c.status.items()) {
    EXPECT_EQ((*status_written)["status"][key], value) << key;
  }

  // Label selectors filter the list.
  kube::ListOptions by_label;
  by_label.label_selector = "team=recsys";
  auto selected = client_->List(c.resource, ns_, by_label);
  ASSERT_TRUE(selected.ok());
  ASSERT_EQ(selected->items.size(), 1u);
  EXPECT_EQ(selected->items[0]["metadata"]["name"], "first");

  ASSERT_TRUE(client_->Delete(c.resource, ns_, "first").ok());
  EXPECT_EQ(client_->Get(c.resource, ns_, "first").status().code(), Code::kNotFound);
  EXPECT_EQ(client_->Delete(c.resource, ns_, "first").code(), Code::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(
    AllCrds, KubeClientCrdTest,
    ::testing::Values(
        CrdCase{"Experiment",
                res::kExperiments,
                Experiment,
                {{"runs", {{"total", 3}, {"running", 1}, {"succeeded", 2}, {"failed", 0}}},
                 {"observedGeneration", 1}}},
        CrdCase{"TrainingRun",
                res::kTrainingRuns,
                TrainingRun,
                {{"phase", "Running"}, {"runId", "6f1c0a"}, {"observedGeneration", 1}}},
        CrdCase{"RetentionPolicy",
                res::kRetentionPolicies,
                RetentionPolicy,
                {{"observedGeneration", 1}}}),
    [](const auto& info) { return info.param.name; });

class KubeClientE2ETest : public NamespacedTest {};

TEST_F(KubeClientE2ETest, UpdateWithStaleResourceVersionIsAConflict) {
  auto v1 = client_->Create(res::kExperiments, ns_, Experiment("e"));
  ASSERT_TRUE(v1.ok());
  json a = *v1, b = *v1;
  a["metadata"]["labels"]["who"] = "a";
  b["metadata"]["labels"]["who"] = "b";
  ASSERT_TRUE(client_->Update(res::kExperiments, ns_, a).ok());
  auto stale = client_->Update(res::kExperiments, ns_, b);
  EXPECT_EQ(stale.status().code(), Code::kConflict) << stale.status().ToString();
  EXPECT_EQ(stale.status().details().http_status, 409);
}

TEST_F(KubeClientE2ETest, ServerSideApplyTwiceIsANoOp) {
  json obj = Experiment("applied");
  obj["metadata"]["labels"]["team"] = "recsys";
  auto first = client_->Apply(res::kExperiments, ns_, obj, {"runledger-e2e", true});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = client_->Apply(res::kExperiments, ns_, obj, {"runledger-e2e", true});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(ResourceVersion(*first), ResourceVersion(*second));
  EXPECT_EQ((*second)["metadata"]["generation"], 1);
}

TEST_F(KubeClientE2ETest, ServerSideApplyConflictBetweenManagersNeedsForce) {
  json obj = Experiment("shared");
  ASSERT_TRUE(client_->Apply(res::kExperiments, ns_, obj, {"owner-a", false}).ok());
  obj["spec"]["primaryMetric"]["goal"] = "minimize";
  auto conflict = client_->Apply(res::kExperiments, ns_, obj, {"owner-b", false});
  // Not kConflict: re-reading cannot resolve it, only force can.
  EXPECT_EQ(conflict.status().code(), Code::kFailedPrecondition) << conflict.status().ToString();
  auto forced = client_->Apply(res::kExperiments, ns_, obj, {"owner-b", true});
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ((*forced)["spec"]["primaryMetric"]["goal"], "minimize");
}

TEST_F(KubeClientE2ETest, MergeAndJsonPatchesWithTest) {
  ASSERT_TRUE(client_->Create(res::kExperiments, ns_, Experiment("p")).ok());
  auto merged = client_->Patch(res::kExperiments, ns_, "p", kube::PatchType::kMerge,
                               {{"metadata", {{"labels", {{"stage", "one"}}}}}});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ((*merged)["metadata"]["labels"]["stage"], "one");

  // A JSON patch whose `test` fails changes nothing.
  json guarded =
      json::array({{{"op", "test"}, {"path", "/metadata/labels/stage"}, {"value", "two"}},
                   {{"op", "replace"}, {"path", "/metadata/labels/stage"}, {"value", "three"}}});
  auto refused = client_->Patch(res::kExperiments, ns_, "p", kube::PatchType::kJson, guarded);
  EXPECT_FALSE(refused.ok());
  guarded[0]["value"] = "one";
  auto applied = client_->Patch(res::kExperiments, ns_, "p", kube::PatchType::kJson, guarded);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ((*applied)["metadata"]["labels"]["stage"], "three");
}

TEST_F(KubeClientE2ETest, DeleteWithAWrongUidPreconditionIsAConflict) {
  ASSERT_TRUE(client_->Create(res::kExperiments, ns_, Experiment("d")).ok());
  kube::DeleteOptions o;
  o.precondition_uid = "00000000-0000-0000-0000-000000000000";
  EXPECT_EQ(client_->Delete(res::kExperiments, ns_, "d", o).code(), Code::kConflict);
  EXPECT_TRUE(client_->Get(res::kExperiments, ns_, "d").ok());
}

TEST_F(KubeClientE2ETest, PaginationReturnsEveryObjectOnce) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(
        client_->Create(res::kExperiments, ns_, Experiment("page-" + std::to_string(i))).ok());
  }
  kube::ListOptions o;
  o.limit = 3;
  auto first = client_->List(res::kExperiments, ns_, o);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->items.size(), 3u);
  EXPECT_FALSE(first->continue_token.empty());
  auto all = client_->ListAll(res::kExperiments, ns_, o);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::set<std::string> names;
  for (const auto& item : all->items) names.insert(item["metadata"]["name"].get<std::string>());
  EXPECT_EQ(all->items.size(), 7u);
  EXPECT_EQ(names.size(), 7u);
}

TEST_F(KubeClientE2ETest, WatchSeesAddedModifiedDeletedAndBookmarks) {
  auto list = client_->List(res::kExperiments, ns_);
  ASSERT_TRUE(list.ok());
  std::mutex mu;
  std::vector<std::string> seen;  // "TYPE name"
  int bookmarks = 0;
  int watches = 0;
  std::string last_version = list->resource_version;
  std::stop_source stop;
  // The watch cache sends a bookmark two seconds before a watch's deadline
  // (and about once a minute before that), but may skip one when it is busy;
  // as an informer would, each watch that ends resumes from the last version
  // seen, so no event is replayed and a later watch brings the bookmark.
  auto watch = std::async(std::launch::async, [&] {
    Status end;
    while (!stop.stop_requested()) {
      kube::WatchOptions o;
      {
        std::lock_guard lock(mu);
        o.resource_version = last_version;
        ++watches;
      }
      o.timeout = std::chrono::seconds(6);
      end = client_->Watch(
          res::kExperiments, ns_, o,
          [&](kube::WatchEvent e) {
            std::lock_guard lock(mu);
            last_version = e.object["metadata"]["resourceVersion"].get<std::string>();
            if (e.type == kube::WatchEventType::kBookmark) {
              ++bookmarks;
            } else {
              seen.push_back(std::string(kube::WatchEventTypeName(e.type)) + " " +
                             e.object["metadata"]["name"].get<std::string>());
            }
            return Status();
          },
          stop.get_token());
      if (!end.ok()) break;
    }
    return end;
  });
  StopOnExit stop_on_exit{stop};
  ASSERT_TRUE(client_->Create(res::kExperiments, ns_, Experiment("w")).ok());
  ASSERT_TRUE(client_
                  ->Patch(res::kExperiments, ns_, "w", kube::PatchType::kMerge,
                          {{"metadata", {{"labels", {{"x", "y"}}}}}})
                  .ok());
  ASSERT_TRUE(client_->Delete(res::kExperiments, ns_, "w").ok());
  const std::vector<std::string> expected = {"ADDED w", "MODIFIED w", "DELETED w"};
  EXPECT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return seen == expected;
  })) << "saw "
      << seen.size() << " events";
  EXPECT_TRUE(Eventually(
      [&] {
        std::lock_guard lock(mu);
        return bookmarks > 0;
      },
      std::chrono::seconds(60)))
      << "no bookmark in " << watches << " watches";
  stop.request_stop();
  ASSERT_EQ(watch.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  Status end = watch.get();
  EXPECT_TRUE(end.ok() || end.code() == Code::kCancelled) << end.ToString();
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, expected) << "a resumed watch replayed an event";
}

TEST_F(KubeClientE2ETest, WatchFromATooOldResourceVersionIsGone) {
  // The watch cache starts at the version current when it was built; "1" is
  // older than anything it can replay. Right after the CRD is installed the
  // cache may still be initialising (the server then answers 429 or serves
  // from etcd), so ask again until the cache answers.
  Status s;
  EXPECT_TRUE(Eventually(
      [&] {
        s = client_->Watch(res::kExperiments, ns_,
                           {.resource_version = "1", .timeout = std::chrono::seconds(3)},
                           [](kube::WatchEvent) { return Status(); });
        return s.code() == Code::kGone;
      },
      std::chrono::seconds(60)))
      << s.ToString();
}

TEST_F(KubeClientE2ETest, WatchStopsPromptlyFromAnotherThread) {
  auto list = client_->List(res::kExperiments, ns_);
  ASSERT_TRUE(list.ok());
  std::stop_source stop;
  std::promise<void> connected;
  auto watch = std::async(std::launch::async, [&] {
    kube::WatchOptions o;
    o.resource_version = list->resource_version;
    o.timeout = std::chrono::seconds(300);
    bool first = true;
    return client_->Watch(
        res::kExperiments, ns_, o,
        [&](kube::WatchEvent) {
          if (first) connected.set_value();
          first = false;
          return Status();
        },
        stop.get_token());
  });
  StopOnExit stop_on_exit{stop};
  ASSERT_TRUE(client_->Create(res::kExperiments, ns_, Experiment("s")).ok());
  ASSERT_EQ(connected.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  stop.request_stop();
  // Nothing more will arrive for minutes; only the stop can end the watch.
  ASSERT_EQ(watch.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(watch.get().code(), Code::kCancelled);
}

TEST_F(KubeClientE2ETest, WatchEndsByItselfWithinItsTimeout) {
  // timeoutSeconds is drawn from [1, 2] for a 2 s timeout; the server ends
  // the watch then, and the client reports a clean end.
  const auto start = std::chrono::steady_clock::now();
  Status s = client_->Watch(res::kExperiments, ns_, {.timeout = std::chrono::seconds(2)},
                            [](kube::WatchEvent) { return Status(); });
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST_F(KubeClientE2ETest, OnResponseSeesEachRequestWithItsStatus) {
  std::vector<std::string> seen;
  std::mutex mu;
  kube::Client::Options o;
  o.on_response = [&](std::string_view method, int status) {
    std::lock_guard lock(mu);
    seen.push_back(std::string(method) + " " + std::to_string(status));
  };
  auto client = kube::Client::Create(ClusterConfig(), o);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->Get(res::kExperiments, ns_, "m").status().code(), Code::kNotFound);
  ASSERT_TRUE((*client)->Create(res::kExperiments, ns_, Experiment("m")).ok());
  ASSERT_TRUE((*client)->Get(res::kExperiments, ns_, "m").ok());
  EXPECT_EQ((*client)->Get(res::kExperiments, ns_, "m/../x").status().code(),
            Code::kInvalidArgument);  // Refused before sending: not seen.
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"GET 404", "POST 201", "GET 200"}));
}

TEST_F(KubeClientE2ETest, TlsServerNameIsRefusedWhenTheClientIsMade) {
  kube::Config config = ClusterConfig();
  config.tls_server_name = "kubernetes.default.svc";
  auto client = kube::Client::Create(config);
  EXPECT_EQ(client.status().code(), Code::kUnimplemented) << client.status().ToString();
}

TEST_F(KubeClientE2ETest, WrongTokenIsUnauthenticated) {
  kube::Config config = ClusterConfig();
  config.client_cert_pem.clear();
  config.client_key_pem.clear();
  config.token = "not-a-valid-token";
  auto client = kube::Client::Create(config);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto got = (*client)->List(res::kPods, ns_);
  EXPECT_EQ(got.status().code(), Code::kUnauthenticated) << got.status().ToString();
}

TEST_F(KubeClientE2ETest, OnlyTheConfiguredCaIsTrusted) {
  // Make the cluster's CA a system root for this process: a client given
  // another CA must still refuse the server, and one given none accepts it.
  const std::string roots = ::testing::TempDir() + "/runledger-roots-" + ns_ + ".pem";
  std::ofstream(roots) << ClusterConfig().ca_pem;
  ::setenv("SSL_CERT_FILE", roots.c_str(), 1);

  kube::Config other_ca = ClusterConfig();
  other_ca.ca_pem = *ReadFile(SourceDir() + "/tests/unit/kube/testdata/ca.crt");
  auto refused = kube::Client::Create(other_ca);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ((*refused)->GetJson("/version").status().code(), Code::kUnavailable);

  kube::Config system_roots = ClusterConfig();
  system_roots.ca_pem.clear();
  auto accepted = kube::Client::Create(system_roots);
  ASSERT_TRUE(accepted.ok());
  auto version = (*accepted)->GetJson("/version");
  EXPECT_TRUE(version.ok()) << version.status().ToString();
  ::unsetenv("SSL_CERT_FILE");
}

TEST_F(KubeClientE2ETest, ClosedPortIsUnavailable) {
  kube::Config config = ClusterConfig();
  config.server = "https://127.0.0.1:1";
  auto client = kube::Client::Create(config);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->GetJson("/version").status().code(), Code::kUnavailable);
}

// Polls the pod until its phase is `phase`; returns it (or the last seen).
json WaitForPhase(kube::Client& client, const std::string& ns, const std::string& name,
                  const std::string& phase) {
  json pod;
  const bool reached = Eventually([&] {
    auto p = client.Get(res::kPods, ns, name);
    if (p.ok()) pod = *p;
    return p.ok() && pod["status"].value("phase", "") == phase;
  });
  EXPECT_TRUE(reached) << name << " never reached " << phase << ": " << pod["status"].dump();
  return pod;
}

TEST_F(KubeClientE2ETest, PodOnAFakeNodeSucceeds) {
  ASSERT_TRUE(
      client_->Create(res::kPods, ns_, Pod("ok", {{"kwok.runledger.dev/run-ms", "300"}})).ok());
  json pod = WaitForPhase(*client_, ns_, "ok", "Succeeded");
  EXPECT_FALSE(pod["spec"].value("nodeName", "").empty()) << "the scheduler placed it";
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"], 0);
}

TEST_F(KubeClientE2ETest, PodFailsWithItsExitCode) {
  ASSERT_TRUE(client_
                  ->Create(res::kPods, ns_,
                           Pod("bad", {{"kwok.runledger.dev/run-ms", "300"},
                                       {"kwok.runledger.dev/exit-code", "3"}}))
                  .ok());
  json pod = WaitForPhase(*client_, ns_, "bad", "Failed");
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"], 3);
}

TEST_F(KubeClientE2ETest, DeletingTheOwnerGarbageCollectsThePod) {
  auto owner = client_->Create(res::kExperiments, ns_, Experiment("owner"));
  ASSERT_TRUE(owner.ok());
  json pod = Pod("child", {{"kwok.runledger.dev/hold", "true"}});
  pod["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "runledger.dev/v1alpha1"},
                                                     {"kind", "Experiment"},
                                                     {"name", "owner"},
                                                     {"uid", (*owner)["metadata"]["uid"]},
                                                     {"controller", true}}});
  ASSERT_TRUE(client_->Create(res::kPods, ns_, pod).ok());
  WaitForPhase(*client_, ns_, "child", "Running");
  kube::DeleteOptions o;
  o.propagation = kube::Propagation::kBackground;
  ASSERT_TRUE(client_->Delete(res::kExperiments, ns_, "owner", o).ok());
  EXPECT_TRUE(Eventually(
      [&] { return client_->Get(res::kPods, ns_, "child").status().code() == Code::kNotFound; },
      std::chrono::seconds(60)));
}

}  // namespace
}  // namespace runledger::e2e
