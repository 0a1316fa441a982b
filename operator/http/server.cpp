// Server: listening, the thread pool, the connection registry and Stop().
#include "http/server.h"

#include <condition_variable>
#include <optional>
#include <thread>
#include <unordered_map>

#include "http/connection.h"

namespace runledger::http {

using internal::Connection;
namespace net = internal::net;
using internal::tcp;

class Server::Impl final : public internal::ServerCore {
 public:
  explicit Impl(Options options) : options_(std::move(options)) {
    if (options_.threads < 1) options_.threads = 1;
  }

  ~Impl() override { Stop(); }

  const Options& options() const override { return options_; }
  const Router& router() const override { return router_; }
  bool stopping() const override { return stopping_.load(std::memory_order_acquire); }
  void Log(std::string_view message) const override {
    if (options_.log) options_.log(message);
  }

  bool Register(const std::shared_ptr<Connection>& c) override {
    MutexLock l(mu_);
    if (stopping() || connections_.size() >= options_.max_connections) return false;
    connections_.emplace(c.get(), c);
    return true;
  }

  void Unregister(Connection* c) override {
    MutexLock l(mu_);
    connections_.erase(c);
    if (connections_.empty()) drained_.notify_all();
  }

  void AddRoute(Route r) {
    MutexLock l(mu_);
    if (started_) {
      // Routes are read without a lock while serving; changing them now
      // would race. A programming error: fail loudly.
      std::fprintf(stderr, "runledger http: route %s %s added after Start\n", r.method.c_str(),
                   r.path.c_str());
      std::abort();
    }
    router_.Add(std::move(r));
  }

  Status Start() {
    {
      MutexLock l(mu_);
      if (started_) return FailedPrecondition("http server: Start called twice");
      started_ = true;
    }
    const std::string where = options_.address + ":" + std::to_string(options_.port);
    beast_error_code ec;
    net::ip::address addr = net::ip::make_address(options_.address, ec);
    if (ec) return Unavailable("http server: bad listen address " + where + ": " + ec.message());
    tcp::endpoint ep(addr, options_.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      beast_error_code ignored;
      acceptor_.close(ignored);
      return Unavailable("http server: cannot listen on " + where + ": " + ec.message());
    }
    port_.store(acceptor_.local_endpoint().port(), std::memory_order_release);
    work_.emplace(ioc_.get_executor());
    Accept();
    threads_.reserve(options_.threads);
    for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
    return Status::Ok();
  }

  uint16_t port() const { return port_.load(std::memory_order_acquire); }

  void Stop() {
    std::vector<std::shared_ptr<Connection>> open;
    {
      MutexLock l(mu_);
      if (!started_ || stopped_) return;
      stopped_ = true;
      stopping_.store(true, std::memory_order_release);
      for (auto& [raw, weak] : connections_) {
        if (auto c = weak.lock()) open.push_back(std::move(c));
      }
    }
    net::post(acceptor_.get_executor(), [this] {
      beast_error_code ignored;
      acceptor_.close(ignored);
    });
    for (auto& c : open) c->Stop();
    open.clear();  // Our references must not keep connections alive.

    {
      MutexLock l(mu_);
      drained_.wait_for(mu_, options_.shutdown_grace,
                        [this]() NO_THREAD_SAFETY_ANALYSIS { return connections_.empty(); });
      // Past the grace period: cut whatever is left. Connections blocked in a
      // handler end when it returns; their clients see the close now.
      for (auto& [raw, weak] : connections_) {
        if (auto c = weak.lock()) open.push_back(std::move(c));
      }
    }
    for (auto& c : open) c->Abort();
    open.clear();  // Outside mu_: the last reference may unregister.
    // Deadline timers of closed connections may still be queued; nothing is
    // left to serve, so end the threads now rather than when they fire.
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  using beast_error_code = boost::system::error_code;

  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast_error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {
        // Out of descriptors or similar: say so, and retry a little later
        // instead of spinning.
        Log("http: accept on port " + std::to_string(port()) + " failed: " + ec.message());
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([this](beast_error_code wait_ec) {
          if (!wait_ec) Accept();
        });
        return;
      }
      // Answers are written as they are ready (a header, then body parts):
      // with Nagle's algorithm on, a part would wait for the client's
      // delayed ACK, up to 40 ms per answer.
      beast_error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Connection>(std::move(s), *this)->Start();
      Accept();
    });
  }

  Options options_;
  Router router_;  // Fixed once started_.

  // Declared before ioc_: connections destroyed with the io_context
  // unregister here, so these must outlive it.
  mutable Mutex mu_;
  std::condition_variable_any drained_;
  bool started_ GUARDED_BY(mu_) = false;
  bool stopped_ GUARDED_BY(mu_) = false;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_ GUARDED_BY(mu_);
  std::atomic<bool> stopping_{false};
  std::atomic<uint16_t> port_{0};

  net::io_context ioc_;
  // Keeps the threads running until Stop() ends them: a handler posted to a
  // connection (its Stop) must run even if nothing else is pending.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  // The acceptor and its retry timer share a strand: Stop() closes the
  // acceptor from another thread by posting there.
  net::strand<net::io_context::executor_type> accept_strand_{net::make_strand(ioc_)};
  tcp::acceptor acceptor_{accept_strand_};
  net::steady_timer retry_timer_{accept_strand_};
  std::vector<std::thread> threads_;
};

Server::Server(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() = default;

void Server::Handle(std::string method, std::string path, Handler handler, RouteOptions options) {
  impl_->AddRoute(
      {std::move(method), std::move(path), false, std::move(handler), {}, std::move(options)});
}

void Server::HandlePrefix(std::string method, std::string prefix, Handler handler,
                          RouteOptions options) {
  impl_->AddRoute(
      {std::move(method), std::move(prefix), true, std::move(handler), {}, std::move(options)});
}

void Server::HandleStream(std::string method, std::string path, StreamHandler handler,
                          RouteOptions options) {
  impl_->AddRoute(
      {std::move(method), std::move(path), false, {}, std::move(handler), std::move(options)});
}

void Server::HandleStreamPrefix(std::string method, std::string prefix, StreamHandler handler,
                                RouteOptions options) {
  impl_->AddRoute(
      {std::move(method), std::move(prefix), true, {}, std::move(handler), std::move(options)});
}

Status Server::Start() { return impl_->Start(); }

uint16_t Server::port() const { return impl_->port(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace runledger::http
