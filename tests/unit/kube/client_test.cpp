// Client logic over a scripted fake transport: request building, pagination,
// error decoding and watch termination. The real API server proves the whole
// in tests/e2e.
#include "kube/client.h"

#include <gtest/gtest.h>

#include <deque>

namespace runledger::kube {
namespace {

// Answers each request with the next scripted response and records it.
class FakeTransport final : public Transport {
 public:
  struct Answer {
    HttpResponse response;
    std::vector<std::string> stream;  // For Stream: chunks delivered before the end.
  };

  Result<HttpResponse> Send(const HttpRequest& request) override {
    requests.push_back(request);
    if (answers.empty()) return Unavailable("no scripted answer");
    Answer a = std::move(answers.front());
    answers.pop_front();
    return a.response;
  }

  Result<HttpResponse> Stream(const HttpRequest& request,
                              const std::function<Status(std::string_view)>& on_data,
                              std::stop_token) override {
    requests.push_back(request);
    Answer a = std::move(answers.front());
    answers.pop_front();
    if (a.response.status != 200) return a.response;
    for (const auto& chunk : a.stream) RETURN_IF_ERROR(on_data(chunk));
    return HttpResponse{200, "", ""};
  }

  std::deque<Answer> answers;
  std::vector<HttpRequest> requests;
};

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() {
    auto t = std::make_unique<FakeTransport>();
    transport_ = t.get();
    Client::Options o;
    o.clock = &clock_;
    o.field_manager = "test-manager";
    client_ = std::make_unique<Client>(std::move(t), o);
  }
  void Answer(int status, std::string body, std::vector<std::string> stream = {}) {
    transport_->answers.push_back({HttpResponse{status, std::move(body), ""}, std::move(stream)});
  }
  const HttpRequest& Request(size_t i) { return transport_->requests.at(i); }

  FakeClock clock_;
  FakeTransport* transport_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientTest, ListAllFollowsContinueTokensAndKeepsTheFirstVersion) {
  Answer(200, R"({"metadata":{"resourceVersion":"10","continue":"c1"},"items":[{"n":1},{"n":2}]})");
  Answer(200, R"({"metadata":{"resourceVersion":"10","continue":"c2"},"items":[{"n":3}]})");
  Answer(200, R"({"metadata":{"resourceVersion":"10"},"items":[{"n":4}]})");
  ListOptions o;
  o.limit = 2;
  o.label_selector = "team=a,tier!=x";
  auto all = client_->ListAll(resources::kTrainingRuns, "ml", o);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->items.size(), 4u);
  EXPECT_EQ(all->items[3]["n"], 4);
  EXPECT_EQ(all->resource_version, "10");
  EXPECT_TRUE(all->continue_token.empty());
  ASSERT_EQ(transport_->requests.size(), 3u);
  EXPECT_EQ(Request(0).target,
            "/apis/runledger.dev/v1alpha1/namespaces/ml/"
            "trainingruns?labelSelector=team%3Da%2Ctier%21%3Dx&limit=2");
  EXPECT_EQ(Request(1).target,
            "/apis/runledger.dev/v1alpha1/namespaces/ml/"
            "trainingruns?labelSelector=team%3Da%2Ctier%21%3Dx&limit=2&continue=c1");
  EXPECT_EQ(Request(2).target.find("continue=c2") != std::string::npos, true);
}

TEST_F(ClientTest, ListAllStopsAtAnExpiredContinueToken) {
  Answer(200, R"({"metadata":{"resourceVersion":"10","continue":"c1"},"items":[{}]})");
  Answer(410,
         R"({"kind":"Status","code":410,"reason":"Expired","message":"continue token expired"})");
  EXPECT_EQ(client_->ListAll(resources::kPods, "", {}).status().code(), Code::kGone);
}

TEST_F(ClientTest, CoreClusterScopedPath) {
  Answer(200, R"({"metadata":{"name":"ns1"}})");
  ASSERT_TRUE(client_->Get(resources::kNamespaces, "ignored", "ns1").ok());
  EXPECT_EQ(Request(0).method, "GET");
  EXPECT_EQ(Request(0).target, "/api/v1/namespaces/ns1");
}

TEST_F(ClientTest, UpdateStatusUsesTheSubresourceAndTheObjectsName) {
  Answer(200, "{}");
  json obj = {{"metadata", {{"name", "r1"}, {"resourceVersion", "5"}}},
              {"status", {{"phase", "Running"}}}};
  ASSERT_TRUE(client_->Update(resources::kTrainingRuns, "ml", obj, "status").ok());
  EXPECT_EQ(Request(0).method, "PUT");
  EXPECT_EQ(Request(0).target,
            "/apis/runledger.dev/v1alpha1/namespaces/ml/trainingruns/r1/"
            "status?fieldManager=test-manager");
  EXPECT_EQ(json::parse(Request(0).body), obj);
}

TEST_F(ClientTest, UpdateWithoutNameIsRefusedWithoutARequest) {
  EXPECT_EQ(client_->Update(resources::kPods, "ml", json::object()).status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(ClientTest, PatchContentTypes) {
  for (int i = 0; i < 4; ++i) Answer(200, "{}");
  ASSERT_TRUE(client_->Patch(resources::kPods, "a", "p", PatchType::kMerge, json::object()).ok());
  ASSERT_TRUE(client_->Patch(resources::kPods, "a", "p", PatchType::kJson, json::array()).ok());
  ASSERT_TRUE(
      client_->Patch(resources::kPods, "a", "p", PatchType::kStrategicMerge, json::object()).ok());
  ASSERT_TRUE(
      client_->Apply(resources::kPods, "a", {{"metadata", {{"name", "p"}}}}, {"mgr", true}).ok());
  EXPECT_EQ(Request(0).content_type, "application/merge-patch+json");
  EXPECT_EQ(Request(1).content_type, "application/json-patch+json");
  EXPECT_EQ(Request(2).content_type, "application/strategic-merge-patch+json");
  EXPECT_EQ(Request(3).content_type, "application/apply-patch+yaml");
  EXPECT_EQ(Request(3).target, "/api/v1/namespaces/a/pods/p?fieldManager=mgr&force=true");
}

TEST_F(ClientTest, DeleteSendsPreconditionsAndPropagation) {
  Answer(200, R"({"kind":"Status","status":"Success"})");
  DeleteOptions o;
  o.precondition_uid = "u-1";
  o.precondition_resource_version = "7";
  o.propagation = Propagation::kForeground;
  ASSERT_TRUE(client_->Delete(resources::kPods, "a", "p", o).ok());
  json body = json::parse(Request(0).body);
  EXPECT_EQ(body["preconditions"]["uid"], "u-1");
  EXPECT_EQ(body["preconditions"]["resourceVersion"], "7");
  EXPECT_EQ(body["propagationPolicy"], "Foreground");
}

TEST_F(ClientTest, ErrorsAreDecoded) {
  Answer(404,
         R"({"kind":"Status","code":404,"reason":"NotFound","message":"pods \"p\" not found"})");
  Status s = client_->Delete(resources::kPods, "a", "p");
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_TRUE(IgnoreNotFound(s).ok());
}

TEST_F(ClientTest, NonJsonSuccessIsAnInternalError) {
  Answer(200, "<html>");
  EXPECT_EQ(client_->GetJson("/version").status().code(), Code::kInternal);
}

TEST_F(ClientTest, TransportErrorsPassThrough) {
  EXPECT_EQ(client_->GetJson("/version").status().code(), Code::kUnavailable);
}

TEST_F(ClientTest, WatchDeliversEventsAndBuildsTheQuery) {
  Answer(200, "",
         {R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"2"}}})"
          "\n{\"type\":\"BOOK",
          R"(MARK","object":{"metadata":{"resourceVersion":"3"}}})"
          "\n"});
  std::vector<WatchEventType> seen;
  WatchOptions o;
  o.resource_version = "1";
  o.timeout = std::chrono::seconds(9999);  // Capped at Options::max_watch.
  Status s = client_->Watch(resources::kPods, "a", o, [&](WatchEvent e) {
    seen.push_back(e.type);
    return Status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seen, (std::vector<WatchEventType>{WatchEventType::kAdded, WatchEventType::kBookmark}));
  EXPECT_EQ(Request(0).target,
            "/api/v1/namespaces/a/"
            "pods?watch=true&resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=300");
}

TEST_F(ClientTest, WatchErrorEventEndsTheWatchWithGone) {
  Answer(
      200, "",
      {R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version"}})"
       "\n"});
  Status s = client_->Watch(resources::kPods, "a", {}, [](WatchEvent) { return Status(); });
  EXPECT_EQ(s.code(), Code::kGone);
}

TEST_F(ClientTest, WatchRefusedUpFrontIsDecoded) {
  Answer(403, R"({"kind":"Status","code":403,"reason":"Forbidden","message":"no"})");
  EXPECT_EQ(client_->Watch(resources::kPods, "a", {}, [](WatchEvent) { return Status(); }).code(),
            Code::kPermissionDenied);
}

TEST_F(ClientTest, WatchCutMidEventIsUnavailable) {
  Answer(200, "", {R"({"type":"ADDED","obj)"});
  EXPECT_EQ(client_->Watch(resources::kPods, "a", {}, [](WatchEvent) { return Status(); }).code(),
            Code::kUnavailable);
}

TEST_F(ClientTest, RequestsAreRateLimited) {
  // Default burst 30 at 20 QPS: the 31st request waits 50 ms of clock time.
  for (int i = 0; i < 31; ++i) Answer(200, "{}");
  const auto start = clock_.SteadyNow();
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(client_->GetJson("/x").ok());
  EXPECT_EQ(clock_.SteadyNow(), start);
  ASSERT_TRUE(client_->GetJson("/x").ok());
  EXPECT_EQ(clock_.SteadyNow() - start, std::chrono::milliseconds(50));
}

}  // namespace
}  // namespace runledger::kube
