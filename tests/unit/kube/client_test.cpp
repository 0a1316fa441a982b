// Client logic over a scripted fake transport: request building, pagination,
// error decoding and watch termination. The real API server proves the whole
// in tests/e2e.
#include "kube/client.h"

#include <gtest/gtest.h>

#include <deque>
#include <future>
#include <set>

namespace runledger::kube {
namespace {

// A transport error for a connection that broke after it was made.
Status ConnectionReset() {
  ErrorDetails details;
  details.reason = kConnectionReset;
  return Status(Code::kUnavailable, "connection reset by peer", std::move(details));
}

// Answers each request with the next scripted response and records it.
class FakeTransport final : public Transport {
 public:
  struct Answer {
    HttpResponse response;
    std::vector<std::string> stream;  // For Stream: chunks delivered before the end.
    Status error;                     // Not OK: returned instead (after the chunks).
  };

  Result<HttpResponse> Send(const HttpRequest& request) override {
    requests.push_back(request);
    if (answers.empty()) return Unavailable("no scripted answer");
    Answer a = std::move(answers.front());
    answers.pop_front();
    if (!a.error.ok()) return a.error;
    return a.response;
  }

  Result<HttpResponse> Stream(const HttpRequest& request,
                              const std::function<Status(std::string_view)>& on_data,
                              std::stop_token) override {
    requests.push_back(request);
    if (answers.empty()) return Unavailable("no scripted answer");
    Answer a = std::move(answers.front());
    answers.pop_front();
    if (a.error.ok() && a.response.status != 200) return a.response;
    for (const auto& chunk : a.stream) RETURN_IF_ERROR(on_data(chunk));
    if (!a.error.ok()) return a.error;
    return HttpResponse{200, "", ""};
  }

  std::deque<Answer> answers;
  std::vector<HttpRequest> requests;
};

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() { MakeClient(Options()); }
  Client::Options Options() {
    Client::Options o;
    o.clock = &clock_;
    o.field_manager = "test-manager";
    o.random_seed = 42;
    o.on_response = [this](std::string_view method, int status) {
      responses_.push_back(std::string(method) + " " + std::to_string(status));
    };
    return o;
  }
  void MakeClient(const Client::Options& o) {
    auto t = std::make_unique<FakeTransport>();
    transport_ = t.get();
    client_ = std::make_unique<Client>(std::move(t), o);
  }
  void Answer(int status, std::string body, std::vector<std::string> stream = {},
              std::string retry_after = "") {
    transport_->answers.push_back(
        {HttpResponse{status, std::move(body), std::move(retry_after)}, std::move(stream), {}});
  }
  void Fail(Status error, std::vector<std::string> stream = {}) {
    transport_->answers.push_back({{}, std::move(stream), std::move(error)});
  }
  // The timeoutSeconds a watch request sent.
  int TimeoutSecondsOf(const HttpRequest& r) {
    const size_t at = r.target.find("timeoutSeconds=");
    return at == std::string::npos ? -1 : std::stoi(r.target.substr(at + 15));
  }
  Status WatchOnce(const WatchOptions& o = {}, std::stop_token stop = {}) {
    return client_->Watch(
        resources::kPods, "a", o, [](WatchEvent) { return Status(); }, stop);
  }
  const HttpRequest& Request(size_t i) { return transport_->requests.at(i); }

  FakeClock clock_;
  FakeTransport* transport_;
  std::unique_ptr<Client> client_;
  std::vector<std::string> responses_;  // "METHOD status" per on_response call.
};

const char kTooMany[] =
    R"({"kind":"Status","code":429,"reason":"TooManyRequests","message":"slow down"})";
const char kUnavailable[] =
    R"({"kind":"Status","code":503,"reason":"ServiceUnavailable","message":"busy"})";

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

TEST_F(ClientTest, GetOfAClusterScopedCoreObjectIgnoresTheNamespace) {
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

TEST_F(ClientTest, EachPatchTypeSendsItsContentType) {
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

TEST_F(ClientTest, DeleteOfAMissingObjectIsNotFoundWhichIgnoreNotFoundAccepts) {
  Answer(404,
         R"({"kind":"Status","code":404,"reason":"NotFound","message":"pods \"p\" not found"})");
  Status s = client_->Delete(resources::kPods, "a", "p");
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_TRUE(IgnoreNotFound(s).ok());
}

TEST_F(ClientTest, SuccessWithANonJsonBodyIsAnInternalError) {
  Answer(200, "<html>");
  EXPECT_EQ(client_->GetJson("/version").status().code(), Code::kInternal);
}

TEST_F(ClientTest, SuccessNestedTooDeepIsAnInternalError) {
  Answer(200, R"({"a":)" + std::string(100000, '[') + std::string(100000, ']') + "}");
  EXPECT_EQ(client_->GetJson("/version").status().code(), Code::kInternal);
}

TEST_F(ClientTest, RefusedConnectionIsUnavailableAndNotRetried) {
  Fail(Unavailable("connection refused"));
  EXPECT_EQ(client_->GetJson("/version").status().code(), Code::kUnavailable);
  EXPECT_EQ(transport_->requests.size(), 1u);
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
  Status s = client_->Watch(resources::kPods, "a", o, [&](WatchEvent e) {
    seen.push_back(e.type);
    return Status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seen, (std::vector<WatchEventType>{WatchEventType::kAdded, WatchEventType::kBookmark}));
  EXPECT_EQ(Request(0).target.rfind(
                "/api/v1/namespaces/a/"
                "pods?watch=true&resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=",
                0),
            0u)
      << Request(0).target;
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

// --- Retries (kube/retry.h), on the fake clock ---

TEST_F(ClientTest, TooManyRequestsIsRetriedAfterItsRetryAfterOnTheClock) {
  Answer(429, kTooMany, {}, "3");
  Answer(200, R"({"ok":true})");
  const auto start = clock_.SteadyNow();
  auto got = client_->GetJson("/x");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(transport_->requests.size(), 2u);
  EXPECT_EQ(clock_.SteadyNow() - start, std::chrono::seconds(3));
}

TEST_F(ClientTest, TooManyRequestsIsRetriedForACreateToo) {
  // The server refused it before acting on it, so resending cannot duplicate.
  Answer(429, kTooMany, {}, "1");
  Answer(201, R"({"metadata":{"name":"p"}})");
  ASSERT_TRUE(client_->Create(resources::kPods, "a", {{"metadata", {{"name", "p"}}}}).ok());
  ASSERT_EQ(transport_->requests.size(), 2u);
  EXPECT_EQ(Request(1).method, "POST");
  EXPECT_EQ(Request(1).body, Request(0).body);
}

TEST_F(ClientTest, ServiceUnavailableWithRetryAfterIsRetried) {
  Answer(503, kUnavailable, {}, "2");
  Answer(200, "{}");
  EXPECT_TRUE(client_->GetJson("/x").ok());
  EXPECT_EQ(transport_->requests.size(), 2u);
}

TEST_F(ClientTest, ServiceUnavailableWithoutRetryAfterIsReturned) {
  Answer(503, kUnavailable);
  EXPECT_EQ(client_->GetJson("/x").status().code(), Code::kUnavailable);
  EXPECT_EQ(transport_->requests.size(), 1u);
}

TEST_F(ClientTest, RetriesStopAfterTenAndReturnTheLastAnswer) {
  for (int i = 0; i < 12; ++i) Answer(429, kTooMany, {}, "1");
  Status s = client_->GetJson("/x").status();
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  EXPECT_EQ(s.details().retry_after, std::chrono::seconds(1));
  EXPECT_EQ(transport_->requests.size(), 11u);  // The first try and 10 retries.
}

TEST_F(ClientTest, MaxRetriesZeroTurnsRetriesOff) {
  Client::Options o = Options();
  o.max_retries = 0;
  MakeClient(o);
  Answer(429, kTooMany, {}, "1");
  EXPECT_EQ(client_->GetJson("/x").status().code(), Code::kResourceExhausted);
  EXPECT_EQ(transport_->requests.size(), 1u);
}

TEST_F(ClientTest, RetryAfterLongerThanTheRequestTimeoutIsCappedAtIt) {
  Answer(429, kTooMany, {}, "86400");
  Answer(200, "{}");
  const auto start = clock_.SteadyNow();
  ASSERT_TRUE(client_->GetJson("/x").ok());
  EXPECT_EQ(clock_.SteadyNow() - start, std::chrono::seconds(30));
}

TEST_F(ClientTest, GetWhoseConnectionWasResetIsRetriedAfterASecond) {
  Fail(ConnectionReset());
  Answer(200, R"({"metadata":{"name":"p"}})");
  const auto start = clock_.SteadyNow();
  auto got = client_->Get(resources::kPods, "a", "p");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(transport_->requests.size(), 2u);
  EXPECT_EQ(clock_.SteadyNow() - start, std::chrono::seconds(1));
}

TEST_F(ClientTest, PatchWhoseConnectionWasResetIsNotRetried) {
  // The patch may have been applied before the connection broke.
  Fail(ConnectionReset());
  Status s = client_->Patch(resources::kPods, "a", "p", PatchType::kMerge, json::object()).status();
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(transport_->requests.size(), 1u);
}

TEST_F(ClientTest, EachRetryWaitsItsTurnAtTheRateLimit) {
  Client::Options o = Options();
  o.qps = 1;
  o.burst = 1;
  MakeClient(o);
  Answer(429, kTooMany, {}, "0");  // Retry at once, as far as the server cares.
  Answer(200, "{}");
  const auto start = clock_.SteadyNow();
  ASSERT_TRUE(client_->GetJson("/x").ok());
  EXPECT_EQ(clock_.SteadyNow() - start, std::chrono::seconds(1));  // The second token.
}

TEST_F(ClientTest, WatchRefusedWithTooManyRequestsIsRetried) {
  Answer(429, kTooMany, {}, "1");
  Answer(200, "", {"{\"type\":\"ADDED\",\"object\":{}}\n"});
  int events = 0;
  Status s = client_->Watch(resources::kPods, "a", {}, [&](WatchEvent) {
    ++events;
    return Status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(events, 1);
  EXPECT_EQ(transport_->requests.size(), 2u);
}

TEST_F(ClientTest, WatchResetAfterEventsIsNotRetried) {
  // Events already reached the caller; it resumes from the last version.
  Fail(ConnectionReset(), {"{\"type\":\"ADDED\",\"object\":{}}\n"});
  Answer(200, "", {"{\"type\":\"ADDED\",\"object\":{}}\n"});
  int events = 0;
  Status s = client_->Watch(resources::kPods, "a", {}, [&](WatchEvent) {
    ++events;
    return Status();
  });
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(events, 1);
  EXPECT_EQ(transport_->requests.size(), 1u);
}

TEST_F(ClientTest, WatchStoppedBeforeItsRateLimitTurnSendsNothing) {
  Client::Options o = Options();
  o.qps = 0.001;
  o.burst = 1;
  MakeClient(o);
  Answer(200, "{}");
  ASSERT_TRUE(client_->GetJson("/x").ok());  // Takes the only token.
  std::stop_source stop;
  stop.request_stop();
  EXPECT_EQ(WatchOnce({}, stop.get_token()).code(), Code::kCancelled);
  EXPECT_EQ(transport_->requests.size(), 1u);
}

TEST_F(ClientTest, WatchWaitingForItsRateLimitTurnStopsPromptlyFromAnotherThread) {
  Client::Options o = Options();
  o.clock = &Clock::Real();
  o.qps = 0.001;  // The next token is 1000 s away.
  o.burst = 1;
  MakeClient(o);
  Answer(200, "{}");
  ASSERT_TRUE(client_->GetJson("/x").ok());
  std::stop_source stop;
  std::future<Status> watch =
      std::async(std::launch::async, [&] { return WatchOnce({}, stop.get_token()); });
  stop.request_stop();
  ASSERT_EQ(watch.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(watch.get().code(), Code::kCancelled);
  EXPECT_EQ(transport_->requests.size(), 1u);
}

TEST_F(ClientTest, WatchStoppedDuringARetryWaitIsCancelled) {
  std::stop_source stop;
  Client::Options o = Options();
  o.on_response = [&](std::string_view, int) { stop.request_stop(); };
  MakeClient(o);
  Answer(429, kTooMany, {}, "5");
  Answer(200, "");
  EXPECT_EQ(WatchOnce({}, stop.get_token()).code(), Code::kCancelled);
  EXPECT_EQ(transport_->requests.size(), 1u);
}

// --- Watch timeouts ---

TEST_F(ClientTest, WatchTimeoutIsDrawnBetweenHalfAndAllOfMaxWatch) {
  std::set<int> seen;
  for (int i = 0; i < 200; ++i) {
    Answer(200, "");
    ASSERT_TRUE(WatchOnce().ok());
    const int t = TimeoutSecondsOf(Request(i));
    ASSERT_GE(t, 300) << Request(i).target;  // Options::max_watch is 600 s.
    ASSERT_LE(t, 600) << Request(i).target;
    seen.insert(t);
  }
  // 200 draws from 301 values: all alike would mean no randomness at all.
  EXPECT_GT(seen.size(), 50u);
}

TEST_F(ClientTest, WatchTimeoutAskedForIsTheUpperBound) {
  WatchOptions w;
  w.timeout = std::chrono::seconds(40);
  for (int i = 0; i < 50; ++i) {
    Answer(200, "");
    ASSERT_TRUE(WatchOnce(w).ok());
    EXPECT_GE(TimeoutSecondsOf(Request(i)), 20);
    EXPECT_LE(TimeoutSecondsOf(Request(i)), 40);
  }
}

TEST_F(ClientTest, WatchTimeoutAboveMaxWatchIsClampedToIt) {
  WatchOptions w;
  w.timeout = std::chrono::seconds(99999);
  Answer(200, "");
  ASSERT_TRUE(WatchOnce(w).ok());
  EXPECT_LE(TimeoutSecondsOf(Request(0)), 600);
}

TEST_F(ClientTest, WatchTimeoutsRepeatForTheSameSeed) {
  std::vector<int> first;
  for (int round = 0; round < 2; ++round) {
    MakeClient(Options());  // random_seed 42 each time.
    for (int i = 0; i < 5; ++i) Answer(200, "");
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(WatchOnce().ok());
    std::vector<int> got;
    for (int i = 0; i < 5; ++i) got.push_back(TimeoutSecondsOf(Request(i)));
    if (round == 0)
      first = got;
    else
      EXPECT_EQ(got, first);
  }
}

TEST_F(ClientTest, WatchTimeoutsDifferBetweenSeeds) {
  std::vector<int> by_seed[2];
  for (uint64_t seed : {1u, 2u}) {
    Client::Options o = Options();
    o.random_seed = seed;
    MakeClient(o);
    for (int i = 0; i < 5; ++i) Answer(200, "");
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(WatchOnce().ok());
    for (int i = 0; i < 5; ++i) by_seed[seed - 1].push_back(TimeoutSecondsOf(Request(i)));
  }
  EXPECT_NE(by_seed[0], by_seed[1]);
}

// --- on_response ---

TEST_F(ClientTest, OnResponseSeesEachAttemptOfARetriedCall) {
  Answer(503, kUnavailable, {}, "1");
  Answer(200, "{}");
  ASSERT_TRUE(client_->Get(resources::kPods, "a", "p").ok());
  EXPECT_EQ(responses_, (std::vector<std::string>{"GET 503", "GET 200"}));
}

TEST_F(ClientTest, OnResponseSeesZeroForATransportError) {
  Fail(Unavailable("connection refused"));
  ASSERT_FALSE(client_->Delete(resources::kPods, "a", "p").ok());
  EXPECT_EQ(responses_, (std::vector<std::string>{"DELETE 0"}));
}

TEST_F(ClientTest, OnResponseSeesTheStatusOfAWatch) {
  Answer(403, R"({"kind":"Status","code":403,"reason":"Forbidden","message":"no"})");
  Answer(200, "", {"{\"type\":\"ADDED\",\"object\":{}}\n"});
  EXPECT_FALSE(WatchOnce().ok());
  EXPECT_TRUE(WatchOnce().ok());
  EXPECT_EQ(responses_, (std::vector<std::string>{"GET 403", "GET 200"}));
}

TEST_F(ClientTest, OnResponseSeesNothingForARequestRefusedBeforeSending) {
  EXPECT_FALSE(client_->Get(resources::kPods, "a", "").ok());
  EXPECT_TRUE(responses_.empty());
}

// --- Path segments (kube/resource.h): refused before anything is sent ---

TEST_F(ClientTest, GetWithAnEmptyNameIsRefusedWithoutARequest) {
  Status s = client_->Get(resources::kPods, "a", "").status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("name is empty"), std::string::npos) << s.message();
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(ClientTest, DeleteWithAnEmptyNameIsRefusedInsteadOfDeletingTheCollection) {
  EXPECT_EQ(client_->Delete(resources::kPods, "a", "").code(), Code::kInvalidArgument);
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(ClientTest, PatchOfANameWithASlashIsRefused) {
  Status s =
      client_->Patch(resources::kPods, "a", "p/exec", PatchType::kMerge, json::object()).status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("\"p/exec\""), std::string::npos) << s.message();
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(ClientTest, UpdateOfADotDotSubresourceIsRefused) {
  json obj = {{"metadata", {{"name", "r1"}}}};
  EXPECT_EQ(client_->Update(resources::kTrainingRuns, "ml", obj, "..").status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(ClientTest, WatchInADotDotNamespaceIsRefused) {
  EXPECT_EQ(WatchOnce().code(), Code::kUnavailable);  // No scripted answer: it was sent.
  Status s = client_->Watch(resources::kPods, "..", {}, [](WatchEvent) { return Status(); });
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(transport_->requests.size(), 1u);
}

TEST_F(ClientTest, CreateOfANamespacedObjectWithoutANamespaceIsRefused) {
  EXPECT_EQ(client_->Create(resources::kPods, "", json::object()).status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(transport_->requests.empty());
}

// --- What docs/kube-client.md promises about configuration ---

TEST(ClientCreateTest, TlsServerNameIsRefusedNamingTheConfig) {
  Config c;
  c.server = "https://127.0.0.1:6443";
  c.tls_server_name = "kubernetes.default";
  c.source = "cfg.yaml (context main)";
  auto client = Client::Create(c);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), Code::kUnimplemented);
  EXPECT_NE(client.status().message().find("cfg.yaml (context main): tls-server-name"),
            std::string::npos)
      << client.status().message();
}

}  // namespace
}  // namespace runledger::kube