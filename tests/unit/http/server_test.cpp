// Server on a real loopback socket: routing, keep-alive, limits, 100-continue.
#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "raw_client.h"

namespace runledger::http {
namespace {

using testing::Get;
using testing::Post;
using testing::RawClient;

class ServerTest : public ::testing::Test {
 protected:
  // Routes every test uses; tests may add more before Start().
  void SetUp() override { options_.max_body_bytes = 1024; }

  void Start() {
    server_ = std::make_unique<Server>(options_);
    server_->Handle("GET", "/healthz", [](const Request&) { return TextResponse(200, "ok"); });
    server_->Handle("POST", "/echo", [this](const Request& r) {
      ++calls_;
      return TextResponse(200, r.body);
    });
    for (auto& f : extra_) f(*server_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  Server::Options options_;
  std::vector<std::function<void(Server&)>> extra_;
  std::unique_ptr<Server> server_;
  std::atomic<int> calls_{0};
};

TEST_F(ServerTest, ExactRouteAnswers) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/healthz")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
  EXPECT_EQ(r->Header("content-type"), "text/plain; charset=utf-8");
}

TEST_F(ServerTest, PrefixRouteSeesPathQueryAndHeaders) {
  extra_.push_back([](Server& s) {
    s.HandlePrefix("GET", "/api/", [](const Request& r) {
      return TextResponse(200, r.path + "|" + r.query + "|" + std::string(r.Header("x-run")));
    });
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/api/runs/get?run_id=7&x=1", "X-Run: r1\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/api/runs/get|run_id=7&x=1|r1\n");
}

TEST_F(ServerTest, UnknownPathIs404) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/nope")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("DELETE /echo HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "POST");
}

TEST_F(ServerTest, HeadIsServedByGetRouteWithoutBody) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  c.ExpectNoBody(true);
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), "3");
  // No body bytes follow: the next answer on the connection starts clean.
  c.ExpectNoBody(false);
  ASSERT_TRUE(c.Send(Get("/healthz")));
  auto r2 = c.Read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200);
  EXPECT_EQ(r2->body, "ok\n");
}

TEST_F(ServerTest, PostBodyReachesHandler) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Post("/echo", "{\"a\":1}")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "{\"a\":1}\n");
}

TEST_F(ServerTest, ChunkedBodyReachesHandler) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "abcde\n");
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Post("/echo", "one")));
  auto r1 = c.Read();
  ASSERT_TRUE(r1);
  EXPECT_NE(r1->Header("connection"), "close");
  ASSERT_TRUE(c.Send(Post("/echo", "two")));
  auto r2 = c.Read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r1->body, "one\n");
  EXPECT_EQ(r2->body, "two\n");
  EXPECT_FALSE(c.closed());
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Post("/echo", "first") + Post("/echo", "second")));
  auto r1 = c.Read();
  auto r2 = c.Read();
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(r1->body, "first\n");
  EXPECT_EQ(r2->body, "second\n");
}

TEST_F(ServerTest, Http10ConnectionClosesAfterAnswer) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("GET /healthz HTTP/1.0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(5)));
}

TEST_F(ServerTest, OversizeContentLengthIs413WithoutReadingBody) {
  Start();
  RawClient c(server_->port());
  // Only the headers are sent: an answer proves the body was not waited for.
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_EQ(calls_, 0);
  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(5)));
}

TEST_F(ServerTest, OversizeChunkedBodyIs413) {
  Start();
  RawClient c(server_->port());
  std::string chunk(600, 'x');
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" +
                     chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(calls_, 0);
}

TEST_F(ServerTest, BodyAtTheLimitIsAccepted) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Post("/echo", std::string(1024, 'b'))));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, RouteBodyLimitOverridesServerLimit) {
  extra_.push_back([](Server& s) {
    RouteOptions small;
    small.max_body_bytes = 10;
    s.Handle(
        "POST", "/small", [](const Request&) { return TextResponse(200, "ok"); }, small);
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Post("/small", std::string(20, 'b'))));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, HugeHeadersAre431) {
  options_.max_header_bytes = 4096;
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/healthz", "X-Big: " + std::string(8192, 'h') + "\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(5)));
}

TEST_F(ServerTest, ExpectContinueGets100ThenTheAnswer) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send("hello"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello\n");
}

TEST_F(ServerTest, ExpectContinueOverLimitGets413Not100) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

// An authentication-style check: refuses on the headers, never reads the body.
void AddGuardedRoute(Server& s, std::atomic<int>* calls) {
  RouteOptions guard;
  guard.on_headers = [](const Request& r) -> std::optional<Response> {
    if (r.Header("Authorization") != "Bearer good") return TextResponse(401, "no token");
    return std::nullopt;
  };
  s.Handle(
      "POST", "/guarded",
      [calls](const Request& r) {
        ++*calls;
        return TextResponse(200, r.body);
      },
      guard);
}

TEST_F(ServerTest, HeaderCheckRefusesWithoutReadingBody) {
  extra_.push_back([this](Server& s) { AddGuardedRoute(s, &calls_); });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("POST /guarded HTTP/1.1\r\nHost: t\r\nContent-Length: 500\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_EQ(calls_, 0);
}

TEST_F(ServerTest, HeaderCheckRefusalWithExpectContinueSendsNo100) {
  extra_.push_back([this](Server& s) { AddGuardedRoute(s, &calls_); });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(
      "POST /guarded HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
}

TEST_F(ServerTest, HeaderCheckPassingLetsBodyThrough) {
  extra_.push_back([this](Server& s) { AddGuardedRoute(s, &calls_); });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(
      c.Send("POST /guarded HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer good\r\nContent-Length: "
             "2\r\n\r\nok"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
  EXPECT_EQ(calls_, 1);
}

TEST_F(ServerTest, HandlerExceptionIs500AndLogged) {
  auto logged = std::make_shared<std::string>();
  auto mu = std::make_shared<std::mutex>();
  options_.log = [logged, mu](std::string_view m) {
    std::lock_guard<std::mutex> l(*mu);
    *logged += std::string(m);
  };
  extra_.push_back([](Server& s) {
    s.Handle("GET", "/boom",
             [](const Request&) -> Response { throw std::runtime_error("kaboom"); });
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/boom")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.find("kaboom"), std::string::npos);
  std::lock_guard<std::mutex> l(*mu);
  EXPECT_NE(logged->find("kaboom"), std::string::npos);
}

TEST_F(ServerTest, MalformedRequestIs400) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("GARBAGE\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(ServerTest, ResponseHeadersAndStatusAreSent) {
  extra_.push_back([](Server& s) {
    s.Handle("GET", "/json", [](const Request&) {
      Response r = JsonResponse(201, "{}");
      r.headers.emplace_back("X-Request-Id", "abc");
      return r;
    });
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/json")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(r->Header("x-request-id"), "abc");
  EXPECT_EQ(r->body, "{}");
}

TEST_F(ServerTest, ConnectionsOverTheLimitAreClosed) {
  options_.max_connections = 1;
  Start();
  RawClient first(server_->port());
  ASSERT_TRUE(first.Send(Get("/healthz")));
  ASSERT_TRUE(first.Read());  // The first connection is registered.
  RawClient second(server_->port());
  EXPECT_TRUE(second.WaitClosed(std::chrono::seconds(5)));
  ASSERT_TRUE(first.Send(Get("/healthz")));
  EXPECT_TRUE(first.Read());
}

TEST_F(ServerTest, ManyConcurrentClientsAreAllServed) {
  options_.threads = 2;
  Start();
  constexpr int kClients = 8, kRequests = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      RawClient c(server_->port());
      for (int j = 0; j < kRequests; ++j) {
        std::string body = std::to_string(i) + "-" + std::to_string(j);
        if (!c.Send(Post("/echo", body))) return;
        auto r = c.Read();
        if (r && r->status == 200 && r->body == body + "\n") ++good;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good, kClients * kRequests);
  EXPECT_EQ(calls_, kClients * kRequests);
}

TEST(ServerStart, PortZeroReportsTheBoundPort) {
  Server s({});
  EXPECT_EQ(s.port(), 0);
  ASSERT_TRUE(s.Start().ok());
  EXPECT_NE(s.port(), 0);
  RawClient c(s.port());
  EXPECT_TRUE(c.connected());
}

TEST(ServerStart, BusyPortFailsNamingTheAddress) {
  Server a({});
  ASSERT_TRUE(a.Start().ok());
  Server::Options o;
  o.port = a.port();
  Server b(o);
  Status st = b.Start();
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_NE(st.message().find("127.0.0.1:" + std::to_string(a.port())), std::string::npos)
      << st.ToString();
}

TEST(ServerStart, BadAddressFails) {
  Server::Options o;
  o.address = "not-an-ip";
  Server s(o);
  Status st = s.Start();
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_NE(st.message().find("not-an-ip"), std::string::npos);
}

}  // namespace
}  // namespace runledger::http
