// TcpProxy: a loopback TCP relay between a client under test and a server,
// which a test can cut to simulate a network partition.
//
// Bytes are relayed unchanged (TLS passes through), so a client pointed at
// the proxy's port talks to the real server. Cut() resets every relayed
// connection and refuses new ones until Restore(): the client sees what a
// partition or a restarted load balancer does to it.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace runledger::e2e {

class TcpProxy {
 public:
  // Relays to `upstream_host` (an IPv4 address) : `upstream_port`; listens
  // on an ephemeral port of 127.0.0.1. Aborts the test binary if it cannot.
  TcpProxy(std::string upstream_host, uint16_t upstream_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  uint16_t port() const { return port_; }
  // Resets open connections; new ones are closed as soon as accepted.
  void Cut();
  void Restore();

 private:
  void AcceptLoop();
  void Relay(int client, int upstream);

  const std::string upstream_host_;
  const uint16_t upstream_port_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cut_{false};
  std::mutex mu_;
  std::condition_variable relay_ended_;
  std::set<int> open_;  // Relayed sockets (both ends), guarded by mu_.
  int relays_ = 0;      // Relay threads running, guarded by mu_.
  std::thread acceptor_;
};

}  // namespace runledger::e2e
