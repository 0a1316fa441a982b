// Server: the operator's HTTP/1.1 server (Boost.Beast underneath; this
// header includes no Boost).
//
//   Server server({.port = 8080});
//   server.Handle("GET", "/healthz", [](const Request&) { return TextResponse(200, "ok"); });
//   RETURN_IF_ERROR(server.Start());
//   ...
//   server.Stop();
//
// Guarantees (docs/http-server.md has the whole picture):
// - Keep-alive: HTTP/1.1 connections serve request after request (HTTP/1.0
//   only with "Connection: keep-alive"); pipelined requests are answered in
//   order.
// - Limits: request line plus headers over max_header_bytes is 431; a body
//   over the route's limit is 413, decided from Content-Length before any
//   byte of the body is read (chunked bodies are cut off at the limit).
//   Routing (404/405), the limit and RouteOptions::on_headers all run on
//   the headers alone; `Expect: 100-continue` gets "100 Continue" only once
//   they passed, so a refused client never sends its body. An answer given
//   before the body was read closes the connection.
// - Deadlines: a request must arrive whole within read_timeout of its first
//   byte (and a new connection must send its first request within
//   read_timeout); a keep-alive connection may sit idle between requests
//   for idle_timeout; an answer must be taken by the client within
//   read_timeout. A connection past a deadline is closed without an answer.
// - Stop(): stops accepting, closes idle connections, lets requests in
//   flight finish and answers them with "Connection: close", and cuts every
//   connection still open after shutdown_grace. It returns once the server's
//   threads have ended, which waits for handlers that are still running (a
//   handler cannot be interrupted): keep handlers bounded.
// - A handler that throws gets its client a 500; the exception's message
//   goes to Options::log, not to the client.
//
// Handlers run on the server's threads (Options::threads), blocking one of
// them while they run: a slow handler should hand its work elsewhere.
//
// Streamed routes (HandleStream): the handler pulls the body through a
// BodyReader (body.h) instead of getting Request::body, and any handler may
// answer with a BodySource that the server pulls as the socket drains.
// Memory per transfer stays at about 64 KiB whatever the body's size. The
// header-phase guarantees above hold unchanged; the deadlines become
// progress deadlines for the body: each BodyReader::Read must see a byte
// within read_timeout, and the client must take each piece of a streamed
// answer within read_timeout. A streamed upload holds one server thread
// while its handler reads: size Options::threads for the uploads expected
// at once plus the other traffic.
//
// Thread-safety: Handle* before Start only (routes are fixed
// while serving); Start once; Stop and port() from any thread; Stop is
// idempotent and the destructor calls it.
// Errors: Start returns Unavailable naming the address when it cannot
// listen (address in use, bad address, no permission).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace runledger::http {

class Server {
 public:
  struct Options {
    std::string address = "127.0.0.1";  // Numeric IPv4 or IPv6; "0.0.0.0" for all.
    uint16_t port = 0;                  // 0: any free port, see port().
    int threads = 2;
    size_t max_header_bytes = 16 * 1024;
    size_t max_body_bytes = 1 << 20;
    size_t max_connections = 1024;  // Further connections are closed at once.
    std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
    // Where errors a person should see go (handler exceptions, accept
    // failures). May be called from any server thread. Null: dropped.
    std::function<void(std::string_view)> log;
  };

  explicit Server(Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes `method` requests for exactly `path`.
  void Handle(std::string method, std::string path, Handler handler, RouteOptions options = {});
  // Routes `method` requests whose path starts with `prefix`.
  void HandlePrefix(std::string method, std::string prefix, Handler handler,
                    RouteOptions options = {});
  // Streamed routes, exact and prefix (see above).
  void HandleStream(std::string method, std::string path, StreamHandler handler,
                    RouteOptions options = {});
  void HandleStreamPrefix(std::string method, std::string prefix, StreamHandler handler,
                          RouteOptions options = {});

  // Binds, listens and starts serving on the server's threads.
  Status Start();
  // The bound port (the real one when Options::port was 0); 0 before Start.
  uint16_t port() const;
  // Graceful stop, see above. Blocks until done.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace runledger::http
