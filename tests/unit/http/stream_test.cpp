// Streamed routes on a real loopback socket: bounded memory and
// backpressure for uploads, chunked and Content-Length bodies, deadlines,
// 100-continue, early 413, streamed downloads to slow clients, Stop().
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "http/server.h"
#include "raw_client.h"

namespace runledger::http {
namespace {

using testing::Get;
using testing::RawClient;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr size_t kMiB = 1 << 20;

// The process's resident set in bytes (VmRSS in /proc/self/status).
size_t RssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

// Byte i of every test body: a pattern where a lost, repeated or reordered
// piece shows.
char PatternByte(uint64_t i) { return static_cast<char>((i * 131 + (i >> 13)) & 0xff); }

void FillPattern(char* buf, size_t n, uint64_t offset) {
  for (size_t i = 0; i < n; ++i) buf[i] = PatternByte(offset + i);
}

// Reads `body` to the end, checking the pattern; returns the byte count, or
// the failure.
Result<uint64_t> DrainChecked(BodyReader& body, size_t piece, bool* pattern_ok) {
  std::vector<char> buf(piece);
  uint64_t total = 0;
  *pattern_ok = true;
  for (;;) {
    Result<size_t> n = body.Read(buf.data(), buf.size());
    if (!n.ok()) return n.status();
    if (*n == 0) return total;
    for (size_t i = 0; i < *n; ++i) *pattern_ok &= buf[i] == PatternByte(total + i);
    total += *n;
  }
}

// Sends a Content-Length upload of `size` pattern bytes, piece by piece.
bool SendPatternUpload(RawClient& c, std::string_view path, uint64_t size) {
  if (!c.Send("PUT " + std::string(path) +
              " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n")) {
    return false;
  }
  std::vector<char> piece(kMiB);
  for (uint64_t off = 0; off < size; off += piece.size()) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(piece.size(), size - off));
    FillPattern(piece.data(), n, off);
    if (!c.Send(std::string_view(piece.data(), n))) return false;
  }
  return true;
}

// A source of `size` pattern bytes that counts what the server pulled.
class PatternSource final : public BodySource {
 public:
  PatternSource(uint64_t size, std::atomic<uint64_t>* pulled) : size_(size), pulled_(pulled) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t take = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset_));
    FillPattern(buf, take, offset_);
    offset_ += take;
    pulled_->store(offset_);
    return take;
  }

 private:
  const uint64_t size_;
  uint64_t offset_ = 0;
  std::atomic<uint64_t>* pulled_;
};

bool IsPattern(std::string_view data, uint64_t offset) {
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != PatternByte(offset + i)) return false;
  }
  return true;
}

// Opens and closes once; Wait blocks until opened (or the timeout).
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void Open() {
    std::lock_guard l(mu);
    open = true;
    cv.notify_all();
  }
  bool Wait(std::chrono::milliseconds timeout) {
    std::unique_lock l(mu);
    return cv.wait_for(l, timeout, [this] { return open; });
  }
};

template <typename F>
bool PollUntil(F done, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override { options_.max_body_bytes = 1024; }
  void Start() {
    server_ = std::make_unique<Server>(options_);
    for (auto& f : routes_) f(*server_);
    ASSERT_TRUE(server_->Start().ok());
  }

  Server::Options options_;
  std::vector<std::function<void(Server&)>> routes_;
  std::unique_ptr<Server> server_;
};

TEST_F(StreamTest, LargeUploadThroughSlowHandlerKeepsMemoryBounded) {
  constexpr uint64_t kSize = 256 * kMiB;
  std::atomic<size_t> peak_rss{0};
  routes_.push_back([&](Server& s) {
    RouteOptions o;
    o.max_body_bytes = 1ull << 40;
    s.HandleStream(
        "PUT", "/up",
        [&](const Request&, BodyReader& body) {
          std::vector<char> buf(256 * 1024);
          uint64_t total = 0;
          bool ok = true;
          for (;;) {
            Result<size_t> n = body.Read(buf.data(), buf.size());
            if (!n.ok()) return TextResponse(500, n.status().ToString());
            if (*n == 0) break;
            ok &= IsPattern(std::string_view(buf.data(), *n), total);
            total += *n;
            if (total % (8 * kMiB) < *n) {
              // The slow consumer: a pause every 8 MiB, and a look at memory.
              std::this_thread::sleep_for(2ms);
              peak_rss.store(std::max(peak_rss.load(), RssBytes()));
            }
          }
          return TextResponse(200, std::to_string(total) + (ok ? " ok" : " corrupt"));
        },
        o);
  });
  Start();
  const size_t before = RssBytes();
  RawClient c(server_->port());
  std::thread sender([&] { EXPECT_TRUE(SendPatternUpload(c, "/up", kSize)); });
  auto r = c.Read(60s);
  sender.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, std::to_string(kSize) + " ok\n");
  // The body never sits in memory: growth is the pieces, buffers and the
  // client's 1 MiB piece, far below the 256 MiB sent.
  EXPECT_LT(peak_rss.load(), before + 24 * kMiB) << "before " << before;
}

TEST_F(StreamTest, SocketIsReadOnlyAsTheHandlerAsks) {
  Gate release;
  std::atomic<bool> in_handler{false};
  routes_.push_back([&](Server& s) {
    RouteOptions o;
    o.max_body_bytes = 1ull << 40;
    s.HandleStream(
        "PUT", "/up",
        [&](const Request&, BodyReader& body) {
          char one;
          EXPECT_TRUE(body.Read(&one, 1).ok());
          in_handler = true;
          release.Wait(10s);
          bool ok;
          Result<uint64_t> rest = DrainChecked(body, 64 * 1024, &ok);
          return TextResponse(200, rest.ok() ? std::to_string(*rest + 1) : "error");
        },
        o);
  });
  Start();
  RawClient c(server_->port());
  constexpr uint64_t kSize = 512 * kMiB;
  ASSERT_TRUE(c.Send("PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(kSize) +
                     "\r\n\r\n"));
  // Send until the socket refuses more for 300 ms: the server is not reading.
  std::vector<char> piece(64 * 1024);
  FillPattern(piece.data(), piece.size(), 0);
  ASSERT_TRUE(c.Send(std::string_view(piece.data(), piece.size())));
  uint64_t sent = piece.size();
  ASSERT_TRUE(PollUntil([&] { return in_handler.load(); }));
  timeval tv{0, 300 * 1000};
  ::setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  for (;;) {
    FillPattern(piece.data(), piece.size(), sent);
    ssize_t n = ::send(c.fd(), piece.data(), piece.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += n;
    if (sent >= kSize) break;
  }
  // What is not read sits in the kernel's socket buffers (a few MiB on
  // loopback), not in the server.
  EXPECT_LT(sent, 64 * kMiB);
  release.Open();
  tv = {10, 0};
  ::setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  while (sent < kSize) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(piece.size(), kSize - sent));
    FillPattern(piece.data(), n, sent);
    ASSERT_TRUE(c.Send(std::string_view(piece.data(), n)));
    sent += n;
  }
  auto r = c.Read(30s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, std::to_string(kSize) + "\n");
}

TEST_F(StreamTest, ChunkedUploadIsDecoded) {
  routes_.push_back([](Server& s) {
    s.HandleStream("PUT", "/up", [](const Request& r, BodyReader& body) {
      std::string all;
      char buf[3];  // Smaller than a chunk: pieces straddle chunk boundaries.
      for (;;) {
        Result<size_t> n = body.Read(buf, sizeof buf);
        if (!n.ok()) return TextResponse(500, n.status().ToString());
        if (*n == 0) break;
        all.append(buf, *n);
      }
      return TextResponse(200, all + "|" + (r.content_length ? "length" : "no length"));
    });
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(
      c.Send("PUT /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world!|no length\n");
  // The connection stays open for the next request.
  ASSERT_TRUE(c.Send("PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "abc|length\n");
}

TEST_F(StreamTest, ChunkedUploadOverTheLimitIs413) {
  std::atomic<int> code{0};
  routes_.push_back([&](Server& s) {
    RouteOptions o;
    o.max_body_bytes = 8;
    s.HandleStream(
        "PUT", "/up",
        [&](const Request&, BodyReader& body) {
          bool ok;
          Result<uint64_t> n = DrainChecked(body, 4, &ok);
          code = static_cast<int>(n.status().code());
          return TextResponse(200, "the server overrides this");
        },
        o);
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(
      c.Send("PUT /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             "6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(code.load(), static_cast<int>(Code::kResourceExhausted));
  EXPECT_TRUE(c.WaitClosed(5s));
}

TEST_F(StreamTest, AnnouncedBodyOverTheLimitIs413BeforeTheHandler) {
  std::atomic<int> calls{0};
  routes_.push_back([&](Server& s) {
    s.HandleStream("PUT", "/up", [&](const Request&, BodyReader&) {
      ++calls;
      return TextResponse(200, "ok");
    });
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(
      c.Send("PUT /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
             "Content-Length: 5000000000\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);  // Not 100 first.
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(StreamTest, ContinueIsSentOnlyWhenTheHandlerReads) {
  std::atomic<bool> refuse{false};
  routes_.push_back([&](Server& s) {
    RouteOptions o;
    o.on_headers = [&](const Request&) -> std::optional<Response> {
      if (refuse) return TextResponse(401, "token required");
      return std::nullopt;
    };
    s.HandleStream(
        "PUT", "/up",
        [](const Request&, BodyReader& body) {
          char buf[16];
          Result<size_t> n = body.Read(buf, sizeof buf);
          return TextResponse(200, n.ok() ? std::string(buf, *n) : n.status().ToString());
        },
        o);
  });
  Start();
  const std::string head =
      "PUT /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
  {
    RawClient c(server_->port());
    ASSERT_TRUE(c.Send(head));
    auto cont = c.Read();
    ASSERT_TRUE(cont);
    EXPECT_EQ(cont->status, 100);
    ASSERT_TRUE(c.Send("body"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "body\n");
  }
  refuse = true;
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(head));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
}

TEST_F(StreamTest, ClientThatStopsMidBodyHitsTheReadTimeout) {
  options_.read_timeout = 300ms;
  std::atomic<int> code{-1};
  std::atomic<uint64_t> got{0};
  routes_.push_back([&](Server& s) {
    s.HandleStream("PUT", "/up", [&](const Request&, BodyReader& body) {
      bool ok;
      Result<uint64_t> n = DrainChecked(body, 16, &ok);
      code = static_cast<int>(n.status().code());
      char buf[4];
      got = body.Read(buf, 4).ok() ? 1 : 0;  // The failure sticks.
      return TextResponse(200, "never sent");
    });
  });
  Start();
  RawClient c(server_->port());
  const auto start = Clock::now();
  ASSERT_TRUE(c.Send("PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nhalf"));
  EXPECT_TRUE(c.WaitClosed(5s));
  EXPECT_GE(Clock::now() - start, 250ms);
  EXPECT_EQ(c.buffered(), "");  // Closed without an answer.
  ASSERT_TRUE(PollUntil([&] { return code.load() != -1; }));
  EXPECT_EQ(code.load(), static_cast<int>(Code::kDeadlineExceeded));
  EXPECT_EQ(got.load(), 0u);
}

TEST_F(StreamTest, HandlerThatAnswersWithoutReadingClosesAfterTheAnswer) {
  routes_.push_back([](Server& s) {
    s.HandleStream("PUT", "/up",
                   [](const Request&, BodyReader&) { return TextResponse(403, "no"); });
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed(5s));
}

TEST_F(StreamTest, StreamedDownloadToASlowClientPullsAsTheSocketDrains) {
  constexpr uint64_t kSize = 64 * kMiB;
  std::atomic<uint64_t> pulled{0};
  routes_.push_back([&](Server& s) {
    s.Handle("GET", "/down", [&](const Request&) {
      Response r;
      r.content_type = "application/octet-stream";
      r.body_source = std::make_shared<PatternSource>(kSize, &pulled);
      r.body_length = kSize;
      return r;
    });
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/down")));
  auto head = c.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->Header("content-length"), std::to_string(kSize));
  uint64_t read = 0;
  uint64_t max_ahead = 0;
  while (read < kSize) {
    auto piece = c.ReadBytes(static_cast<size_t>(std::min<uint64_t>(kMiB, kSize - read)));
    ASSERT_TRUE(piece);
    ASSERT_TRUE(IsPattern(*piece, read)) << "at " << read;
    read += piece->size();
    if (read % (8 * kMiB) == 0) {
      std::this_thread::sleep_for(20ms);  // The slow client.
      max_ahead = std::max(max_ahead, pulled.load() - read);
    }
  }
  // The server ran ahead of the client only by the socket buffers and a piece.
  EXPECT_LT(max_ahead, 16 * kMiB);
  // And the connection is kept for the next request.
  ASSERT_TRUE(c.Send(Get("/down")));
  head = c.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

TEST_F(StreamTest, StreamedDownloadWithoutLengthIsChunked) {
  std::atomic<uint64_t> pulled{0};
  routes_.push_back([&](Server& s) {
    s.Handle("GET", "/down", [&](const Request&) {
      Response r;
      r.body_source = std::make_shared<PatternSource>(200000, &pulled);
      return r;
    });
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/down")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("transfer-encoding"), "chunked");
  EXPECT_EQ(r->body.size(), 200000u);
  EXPECT_TRUE(IsPattern(r->body, 0));
  // HEAD: no body and, the length being unknown, no Content-Length.
  c.ExpectNoBody(true);
  ASSERT_TRUE(c.Send("HEAD /down HTTP/1.1\r\nHost: t\r\n\r\n"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), "");
  c.ExpectNoBody(false);
  ASSERT_TRUE(c.Send(Get("/down")));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.size(), 200000u);
}

TEST_F(StreamTest, SourceShorterThanItsLengthCutsTheConnection) {
  std::atomic<uint64_t> pulled{0};
  routes_.push_back([&](Server& s) {
    s.Handle("GET", "/down", [&](const Request&) {
      Response r;
      r.body_source = std::make_shared<PatternSource>(1000, &pulled);
      r.body_length = 5000;
      return r;
    });
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/down")));
  EXPECT_FALSE(c.Read());
  EXPECT_TRUE(c.WaitClosed(5s));
}

TEST_F(StreamTest, StopDuringAStreamedUploadCutsItAfterTheGrace) {
  options_.shutdown_grace = 300ms;
  std::atomic<int> code{-1};
  std::atomic<bool> reading{false};
  routes_.push_back([&](Server& s) {
    RouteOptions o;
    o.max_body_bytes = 1ull << 30;
    s.HandleStream(
        "PUT", "/up",
        [&](const Request&, BodyReader& body) {
          reading = true;
          bool ok;
          Result<uint64_t> n = DrainChecked(body, 4096, &ok);
          code = static_cast<int>(n.status().code());
          return TextResponse(200, "done");
        },
        o);
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\nsome"));
  ASSERT_TRUE(PollUntil([&] { return reading.load(); }));
  const auto start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_EQ(code.load(), static_cast<int>(Code::kUnavailable));
  EXPECT_TRUE(c.WaitClosed(5s));
}

TEST_F(StreamTest, StopDuringAStreamedDownloadCutsItAfterTheGrace) {
  options_.shutdown_grace = 300ms;
  std::atomic<uint64_t> pulled{0};
  routes_.push_back([&](Server& s) {
    s.Handle("GET", "/down", [&](const Request&) {
      Response r;
      r.body_source = std::make_shared<PatternSource>(1ull << 30, &pulled);
      r.body_length = 1ull << 30;
      return r;
    });
  });
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/down")));
  ASSERT_TRUE(c.ReadHead());
  ASSERT_TRUE(PollUntil([&] { return pulled.load() > 0; }));
  // The client reads nothing more: the server waits on the socket.
  const auto start = Clock::now();
  server_->Stop();
  const auto took = Clock::now() - start;
  EXPECT_GE(took, 250ms);  // In flight: it had its grace period...
  EXPECT_LT(took, 3s);     // ...and was cut after it.
  EXPECT_LT(pulled.load(), 64 * kMiB);
}

}  // namespace
}  // namespace runledger::http
