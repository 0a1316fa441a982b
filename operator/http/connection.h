// Connection: one accepted socket, serving request after request.
//
// Internal to operator/http: this header includes Boost and is included
// only by connection.cpp and server.cpp.
//
// Each connection runs on its own strand, so its steps never run at once;
// the Server reaches it only through Stop() and Abort(), which are safe
// from any thread. The phases of one request:
//   idle (wait for a first byte: idle_timeout, or read_timeout on a new
//   connection) → headers (read_timeout starts) → route, limits,
//   on_headers → [100 Continue] → body → handler → write → idle or close.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "base/mutex.h"
#include "http/message.h"
#include "http/router.h"
#include "http/server.h"

namespace runledger::http::internal {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Connection;

// What a connection needs from the server that owns it.
class ServerCore {
 public:
  virtual ~ServerCore() = default;
  virtual const Server::Options& options() const = 0;
  virtual const Router& router() const = 0;
  // False once the server is stopping (the connection then closes at once).
  virtual bool Register(const std::shared_ptr<Connection>& c) = 0;
  // Called from the connection's destructor.
  virtual void Unregister(Connection* c) = 0;
  virtual bool stopping() const = 0;
  virtual void Log(std::string_view message) const = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `socket` must have a strand as its executor. `core` must outlive the
  // connection.
  Connection(tcp::socket socket, ServerCore& core);
  ~Connection();

  // Registers with the core and begins serving.
  void Start();
  // Graceful: closes now if idle, otherwise after the current answer.
  void Stop();
  // Cuts the connection now, whatever it is doing: the peer sees it closed,
  // and the next step of this connection fails and ends it.
  void Abort();

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kClosing };

  void WaitForRequest();
  void OnFirstBytes(beast::error_code ec, size_t n);
  void ReadHeader();
  void OnHeader(beast::error_code ec, size_t n);
  void FillRequest();
  void OnContinueWritten(beast::error_code ec, size_t n);
  // The body phase. A streamed route will hand parser_ to a body reader here.
  void ReadBody();
  void OnBody(beast::error_code ec, size_t n);
  void Dispatch();
  void Send(Response response);
  void OnWritten(bool keep_alive, bool body_unread, beast::error_code ec, size_t n);
  // Shuts our side, then reads and drops what the client still sends for a
  // while, so the client sees our answer before the connection goes (closing
  // with unread data makes the kernel send a reset that can destroy it).
  void LingeringClose();
  void OnLinger(beast::error_code ec, size_t n);
  void Close();

  ServerCore& core_;
  beast::tcp_stream stream_;
  const int fd_;  // For Abort(), which must not touch stream_ off the strand.
  Mutex fd_mu_;
  bool fd_closed_ GUARDED_BY(fd_mu_) = false;

  // Below: touched only on the strand.
  State state_ = State::kIdle;
  bool first_request_ = true;
  bool stop_requested_ = false;
  bool header_read_ = false;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::unique_ptr<beast::http::response<beast::http::string_body>> response_;
  Request request_;
  const Route* route_ = nullptr;
  std::string remote_;
  size_t lingered_ = 0;
  std::array<char, 4096> drain_;
};

}  // namespace runledger::http::internal
