#include "tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace runledger::e2e {
namespace {

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::abort();
}

// Sends all of `data`; false once the peer is gone.
bool SendAll(int fd, const char* data, ssize_t n) {
  while (n > 0) {
    ssize_t sent = send(fd, data, n, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data += sent;
    n -= sent;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(std::string upstream_host, uint16_t upstream_port)
    : upstream_host_(std::move(upstream_host)), upstream_port_(upstream_port) {
  listener_ = socket(AF_INET, SOCK_STREAM, 0);
  if (listener_ < 0) Die("proxy socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("proxy bind");
  if (listen(listener_, 64) != 0) Die("proxy listen");
  socklen_t len = sizeof addr;
  getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  Cut();
  acceptor_.join();
  close(listener_);
  // Relays notice the reset sockets within one poll interval.
  std::unique_lock lock(mu_);
  relay_ended_.wait(lock, [this] { return relays_ == 0; });
}

void TcpProxy::Cut() {
  cut_ = true;
  std::lock_guard lock(mu_);
  for (int fd : open_) shutdown(fd, SHUT_RDWR);
}

void TcpProxy::Restore() { cut_ = false; }

void TcpProxy::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listener_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int client = accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    if (cut_) {
      close(client);
      continue;
    }
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(upstream_port_);
    inet_pton(AF_INET, upstream_host_.c_str(), &addr.sin_addr);
    if (upstream < 0 || connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      if (upstream >= 0) close(upstream);
      close(client);
      continue;
    }
    {
      std::lock_guard lock(mu_);
      open_.insert(client);
      open_.insert(upstream);
      ++relays_;
    }
    std::thread([this, client, upstream] { Relay(client, upstream); }).detach();
  }
}

void TcpProxy::Relay(int client, int upstream) {
  char buf[64 * 1024];
  pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  bool open = true;
  while (open && !stopping_) {
    if (poll(fds, 2, 100) <= 0) continue;
    for (int i = 0; i < 2 && open; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t n = recv(fds[i].fd, buf, sizeof buf, 0);
      open = n > 0 && SendAll(fds[1 - i].fd, buf, n);
    }
  }
  {
    std::lock_guard lock(mu_);
    open_.erase(client);
    open_.erase(upstream);
    close(client);
    close(upstream);
    --relays_;
  }
  relay_ended_.notify_all();
}

}  // namespace runledger::e2e
