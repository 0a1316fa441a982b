// Connection: one accepted socket, serving request after request.
//
// Internal to operator/http: this header includes Boost and is included
// only by connection.cpp, connection_stream.cpp and server.cpp.
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
#include <vector>

#include "base/mutex.h"
#include "http/message.h"
#include "http/router.h"
#include "http/server.h"

namespace runledger::http::internal {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Connection;

inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// Whether the client waits for kContinue before it sends the body.
bool IsContinueExpected(const Request& r);

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
  class StreamBody;
  using StreamParser = beast::http::request_parser<beast::http::buffer_body>;
  using StreamResponse = beast::http::response<beast::http::buffer_body>;
  using StreamSerializer = beast::http::response_serializer<beast::http::buffer_body>;

  void WaitForRequest();
  void OnFirstBytes(beast::error_code ec, size_t n);
  void ReadHeader();
  void OnHeader(beast::error_code ec, size_t n);
  void FillRequest();
  void OnContinueWritten(beast::error_code ec, size_t n);
  void ReadBody();
  void OnBody(beast::error_code ec, size_t n);
  void Dispatch();
  // A streamed route: the handler with a StreamBody, then its answer (or
  // 413/400/close when the body failed). In connection_stream.cpp.
  void DispatchStreamed();
  void Send(Response response);
  // Header first, then the body_source piece by piece.
  void WriteStreamed(Response response, bool keep_alive);
  void OnStreamedWritten(bool keep_alive, beast::error_code ec, size_t n);
  void PumpStreamed(bool keep_alive);
  // Whether the request's body has been read to its end.
  bool BodyDone() const;
  size_t BodyLimit() const;
  // Runs a handler or header check; a throw is logged and becomes a 500.
  std::optional<Response> Call(const std::function<std::optional<Response>()>& f,
                               std::string_view what);
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
  // A streamed route's parser, moved from parser_ once the header is read.
  std::optional<StreamParser> stream_parser_;
  bool keep_alive_requested_ = false;  // The request's own keep-alive wish.
  std::unique_ptr<beast::http::response<beast::http::string_body>> response_;
  // A streamed answer in progress.
  std::unique_ptr<StreamResponse> stream_response_;
  std::unique_ptr<StreamSerializer> serializer_;
  std::shared_ptr<BodySource> source_;
  std::optional<uint64_t> source_left_;  // Bytes still owed when the length is known.
  std::vector<char> piece_;
  Request request_;
  const Route* route_ = nullptr;
  std::string remote_;
  size_t lingered_ = 0;
  std::array<char, 4096> drain_;
};

}  // namespace runledger::http::internal
