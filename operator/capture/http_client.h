// HttpClient: plain HTTP/1.1 requests from runledger-capture to one numeric
// address (the tracking API), over one kept-alive TCP connection.
//
// Boost.Beast underneath; this header includes no Boost, and
// http_client.cpp is the only file of the program that does. There is no
// name resolution (the binary is static, without NSS), so the address is an
// IPv4 or IPv6 literal.
//
// Guarantees: a connection is reused while the server keeps it alive; a
// request that fails on a reused connection (the server closed it while
// idle) is sent once more on a new one, so callers must only send requests
// that are safe to repeat (every call capture makes is: log-batch carries an
// Idempotency-Key, PUT and runs/update are idempotent). Connecting and each
// whole exchange are bounded by the timeouts.
//
// Errors: Unavailable when no connection could be made, it broke, or an
// answer did not come within the timeout. Any HTTP status is an answer,
// not an error.
//
// Thread-safety: none; one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace runledger::capture {

struct HttpRequest {
  std::string method;  // "POST", "PUT"
  std::string target;  // "/api/2.0/mlflow/runs/log-batch"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  struct Options {
    std::string address;  // numeric, e.g. "10.96.0.12" or "::1"
    uint16_t port = 0;
    std::chrono::milliseconds connect_timeout{5000};
  };

  explicit HttpClient(Options options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and reads the answer, all within `timeout` (connecting
  // within the smaller of it and connect_timeout).
  Result<HttpResponse> Send(const HttpRequest& request, std::chrono::milliseconds timeout);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace runledger::capture
