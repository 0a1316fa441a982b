// Request, Response and handler types of the HTTP server (no Boost here).
//
// A Handler sees one whole request; a StreamHandler (Server::HandleStream)
// gets the headers and pulls the body through a BodyReader. Either may
// answer with a whole body or a streamed one (Response::body_source). Routes
// may also look at the headers before any byte of the body is read
// (RouteOptions::on_headers): that is where authentication and size checks
// answer 401/403/413 without reading an upload.
//
// Thread-safety: plain values. Handlers are called from the server's
// threads, several at once for different connections; one connection's
// requests are handled one after another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/body.h"

namespace runledger::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // As sent, e.g. "GET".
  std::string target;  // As sent, e.g. "/api/2.0/mlflow/runs/get?run_id=x".
  std::string path;    // target before '?', not percent-decoded.
  std::string query;   // target after '?' (without it); empty if none.
  int version = 11;    // 10 for HTTP/1.0, 11 for HTTP/1.1.
  HeaderList headers;  // In the order sent, names as sent.
  // Content-Length when the request has one; none for chunked or no body.
  std::optional<uint64_t> content_length;
  // The whole body; empty when given to RouteOptions::on_headers and on
  // streamed routes.
  std::string body;
  std::string remote_address;  // "127.0.0.1:53124".

  // The first header named `name` (compared ignoring case); empty if none.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

struct Response {
  int status = 200;                                        // Outside 100..599 is sent as 500.
  std::string content_type = "text/plain; charset=utf-8";  // Empty: no Content-Type.
  std::string body;
  HeaderList
      headers;  // Extra headers; Content-Length, Transfer-Encoding, Connection are the server's.
  // A streamed body instead of `body` (which is then ignored): the server
  // pulls it as the socket drains, see BodySource. Shared only so that a
  // Response stays copyable; the server is its last user.
  std::shared_ptr<BodySource> body_source;
  // With body_source: the exact length, sent as Content-Length. None: the
  // body is sent chunked (to an HTTP/1.0 client: until the connection closes).
  std::optional<uint64_t> body_length;
};

// A plain-text answer, the body ending in a newline.
Response TextResponse(int status, std::string_view text);
// A JSON answer (`json` is sent as it is).
Response JsonResponse(int status, std::string json);

using Handler = std::function<Response(const Request&)>;
// A streamed route's handler: Request::body is empty and `body` yields it.
// The handler may return without reading the whole body (the connection is
// then closed after the answer).
using StreamHandler = std::function<Response(const Request&, BodyReader& body)>;

// Called with the headers only (Request::body is empty): return a Response
// to answer at once without reading the body (the connection is then closed
// if a body was announced), or nullopt to go on.
using HeaderCheck = std::function<std::optional<Response>(const Request&)>;

struct RouteOptions {
  HeaderCheck on_headers;
  // Largest body this route accepts; 0 means Server::Options::max_body_bytes.
  size_t max_body_bytes = 0;
};

}  // namespace runledger::http
