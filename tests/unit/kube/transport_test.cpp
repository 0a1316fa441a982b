// The cpprestsdk transport against a socket on loopback that misbehaves on
// purpose: how a broken connection is reported, and that the Client retries
// a GET (and only a GET) over it. Plain HTTP; TLS is proven in tests/e2e.
#include "kube/transport.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <thread>

#include "base/mutex.h"
#include "kube/client.h"

namespace runledger::kube {
namespace {

// A one-thread HTTP/1.1 server. Each connection gets the next scripted act:
// kReset answers the request with a TCP reset, kAnswer with `body` (200) and
// closes. Counts the connections it accepted.
class ScriptedServer {
 public:
  enum Act { kReset, kAnswer };

  ScriptedServer(std::deque<Act> acts, std::string body)
      : acts_(std::move(acts)), body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    ::shutdown(fd_, SHUT_RDWR);  // Ends accept().
    thread_.join();
    ::close(fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_.load(); }

 private:
  void Serve() {
    while (true) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      ++accepted_;
      ReadRequest(c);
      Act act = kAnswer;
      {
        MutexLock lock(mu_);
        if (!acts_.empty()) {
          act = acts_.front();
          acts_.pop_front();
        }
      }
      if (act == kReset) {
        linger l{1, 0};  // close() now sends RST instead of FIN.
        ::setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      } else {
        const std::string resp =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Connection: close\r\nContent-Length: " +
            std::to_string(body_.size()) + "\r\n\r\n" + body_;
        (void)!::write(c, resp.data(), resp.size());
      }
      ::close(c);
    }
  }
  // Reads the head and the Content-Length body, so the client is past
  // sending when the act happens.
  static void ReadRequest(int c) {
    std::string in;
    char buf[4096];
    size_t head_end = std::string::npos;
    size_t need = 0;
    while (true) {
      if (head_end == std::string::npos && (head_end = in.find("\r\n\r\n")) != std::string::npos) {
        const size_t cl = in.find("Content-Length: ");
        need = head_end + 4 +
               (cl != std::string::npos && cl < head_end ? std::stoul(in.substr(cl + 16)) : 0);
      }
      if (head_end != std::string::npos && in.size() >= need) return;
      const ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      in.append(buf, static_cast<size_t>(n));
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  Mutex mu_;
  std::deque<Act> acts_ GUARDED_BY(mu_);
  const std::string body_;
  std::thread thread_;
};

std::unique_ptr<Transport> TransportTo(const std::string& url) {
  Config c;
  c.server = url;
  c.source = "test";
  auto t = NewHttpTransport(c, TransportOptions());
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

TEST(ClientTransportTest, ResetAfterTheRequestIsUnavailableWithReasonConnectionReset) {
  ScriptedServer server({ScriptedServer::kReset}, "{}");
  auto resp = TransportTo(server.url())->Send({"GET", "/x", "", ""});
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), Code::kUnavailable);
  EXPECT_EQ(resp.status().details().reason, kConnectionReset) << resp.status().ToString();
}

TEST(ClientTransportTest, RefusedConnectionIsUnavailableWithoutReasonConnectionReset) {
  int port;
  {
    ScriptedServer closed({}, "");
    port = std::stoi(closed.url().substr(closed.url().rfind(':') + 1));
  }  // Nothing listens on the port now.
  auto resp = TransportTo("http://127.0.0.1:" + std::to_string(port))->Send({"GET", "/", "", ""});
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), Code::kUnavailable);
  EXPECT_NE(resp.status().details().reason, kConnectionReset) << resp.status().ToString();
}

TEST(ClientTransportTest, ClientRetriesAGetWhoseConnectionWasReset) {
  ScriptedServer server({ScriptedServer::kReset, ScriptedServer::kAnswer}, R"({"ok":true})");
  FakeClock clock;
  Client::Options o;
  o.clock = &clock;
  Client client(TransportTo(server.url()), o);
  auto got = client.GetJson("/version");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)["ok"], true);
  EXPECT_EQ(server.accepted(), 2);
}

TEST(ClientTransportTest, ClientDoesNotRetryAPostWhoseConnectionWasReset) {
  ScriptedServer server({ScriptedServer::kReset, ScriptedServer::kAnswer}, "{}");
  FakeClock clock;
  Client::Options o;
  o.clock = &clock;
  Client client(TransportTo(server.url()), o);
  auto created = client.Create(resources::kConfigMaps, "a", {{"metadata", {{"name", "c"}}}});
  EXPECT_EQ(created.status().code(), Code::kUnavailable) << created.status().ToString();
  EXPECT_EQ(server.accepted(), 1);
}

}  // namespace
}  // namespace runledger::kube
