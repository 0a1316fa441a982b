// Server deadlines and graceful Stop, on a real loopback socket. Timeouts are
// short; every wait is a poll with a deadline.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "http/server.h"
#include "raw_client.h"

namespace runledger::http {
namespace {

using namespace std::chrono_literals;
using testing::Get;
using testing::RawClient;
using Clock = std::chrono::steady_clock;

// Polls `done` until it holds or `timeout` passes.
template <typename F>
bool Eventually(F done, std::chrono::milliseconds timeout = 5s) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

// A handler gate the test opens.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<bool> entered{false};
  void Wait() {
    entered = true;
    std::unique_lock<std::mutex> l(mu);
    cv.wait_for(l, 10s, [this] { return open; });
  }
  void Open() {
    std::lock_guard<std::mutex> l(mu);
    open = true;
    cv.notify_all();
  }
};

Server::Options Short() {
  Server::Options o;
  o.read_timeout = 10s;
  o.idle_timeout = 10s;
  o.shutdown_grace = 10s;
  return o;
}

TEST(ServerDeadlines, IdleKeepAliveConnectionIsClosed) {
  Server::Options o = Short();
  o.idle_timeout = 300ms;
  Server s(o);
  s.Handle("GET", "/", [](const Request&) { return TextResponse(200, "ok"); });
  ASSERT_TRUE(s.Start().ok());
  RawClient c(s.port());
  ASSERT_TRUE(c.Send(Get("/")));
  ASSERT_TRUE(c.Read());
  auto t0 = Clock::now();
  EXPECT_TRUE(c.WaitClosed(5s));
  EXPECT_GE(Clock::now() - t0, 250ms);  // Not before the idle timeout.
}

TEST(ServerDeadlines, SilentNewConnectionIsClosedAfterReadTimeout) {
  Server::Options o = Short();
  o.read_timeout = 300ms;
  Server s(o);
  ASSERT_TRUE(s.Start().ok());
  RawClient c(s.port());
  EXPECT_TRUE(c.WaitClosed(5s));
}

TEST(ServerDeadlines, TricklingClientHitsTheReadDeadline) {
  Server::Options o = Short();
  o.read_timeout = 500ms;
  Server s(o);
  s.Handle("GET", "/", [](const Request&) { return TextResponse(200, "ok"); });
  ASSERT_TRUE(s.Start().ok());
  RawClient c(s.port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\n"));
  // A byte every 50 ms keeps the connection busy but never ends the
  // headers: the deadline counts from the request's start, not per byte.
  auto t0 = Clock::now();
  bool cut = false;
  while (Clock::now() - t0 < 5s) {
    if (!c.Send("X") || c.WaitClosed(50ms)) {
      cut = true;
      break;
    }
  }
  EXPECT_TRUE(cut);
  EXPECT_LT(Clock::now() - t0, 3s);
}

TEST(ServerDeadlines, SlowBodyHitsTheReadDeadline) {
  Server::Options o = Short();
  o.read_timeout = 300ms;
  Server s(o);
  std::atomic<int> calls{0};
  s.Handle("POST", "/", [&](const Request&) {
    ++calls;
    return TextResponse(200, "ok");
  });
  ASSERT_TRUE(s.Start().ok());
  RawClient c(s.port());
  ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly-part"));
  EXPECT_TRUE(c.WaitClosed(5s));
  EXPECT_EQ(calls, 0);
}

TEST(ServerStop, InFlightSlowHandlerFinishesAndIsAnswered) {
  Server s(Short());
  Gate gate;
  std::atomic<bool> handler_done{false};
  s.Handle("GET", "/slow", [&](const Request&) {
    gate.Wait();
    handler_done = true;
    return TextResponse(200, "finished");
  });
  ASSERT_TRUE(s.Start().ok());
  const uint16_t port = s.port();
  RawClient c(port);
  ASSERT_TRUE(c.Send(Get("/slow")));
  ASSERT_TRUE(Eventually([&] { return gate.entered.load(); }));

  std::atomic<bool> stop_returned{false};
  std::thread stopper([&] {
    s.Stop();
    stop_returned = true;
  });
  // Stop is under way: new connections are refused while the handler runs.
  EXPECT_TRUE(Eventually([&] { return !RawClient(port).connected(); }));
  EXPECT_FALSE(stop_returned);
  gate.Open();
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finished\n");
  EXPECT_EQ(r->Header("connection"), "close");
  stopper.join();
  EXPECT_TRUE(handler_done);
  EXPECT_TRUE(c.WaitClosed(5s));
}

TEST(ServerStop, IdleConnectionsAreClosedAtOnce) {
  Server s(Short());  // Idle timeout 10 s, grace 10 s: neither may be waited for.
  s.Handle("GET", "/", [](const Request&) { return TextResponse(200, "ok"); });
  ASSERT_TRUE(s.Start().ok());
  RawClient c(s.port());
  ASSERT_TRUE(c.Send(Get("/")));
  ASSERT_TRUE(c.Read());
  RawClient never_sent(s.port());
  ASSERT_TRUE(never_sent.connected());
  auto t0 = Clock::now();
  s.Stop();
  EXPECT_LT(Clock::now() - t0, 3s);
  EXPECT_TRUE(c.WaitClosed(5s));
  EXPECT_TRUE(never_sent.WaitClosed(5s));
}

TEST(ServerStop, StuckRequestIsCutAfterGrace) {
  Server::Options o = Short();
  o.shutdown_grace = 300ms;
  Server s(o);
  Gate gate;
  s.Handle("GET", "/stuck", [&](const Request&) {
    gate.Wait();
    return TextResponse(200, "late");
  });
  ASSERT_TRUE(s.Start().ok());
  RawClient c(s.port());
  ASSERT_TRUE(c.Send(Get("/stuck")));
  ASSERT_TRUE(Eventually([&] { return gate.entered.load(); }));
  std::thread stopper([&] { s.Stop(); });
  // The client is cut off after the grace period even though the handler is
  // still blocked.
  EXPECT_TRUE(c.WaitClosed(5s));
  EXPECT_EQ(c.buffered(), "");
  gate.Open();
  stopper.join();
}

TEST(ServerStop, StopTwiceAndDestructorAreSafe) {
  auto s = std::make_unique<Server>(Short());
  ASSERT_TRUE(s->Start().ok());
  s->Stop();
  s->Stop();
  s.reset();
  SUCCEED();
}

TEST(ServerStop, StopBeforeStartReturns) {
  Server s(Short());
  s.Stop();
  SUCCEED();
}

}  // namespace
}  // namespace runledger::http
