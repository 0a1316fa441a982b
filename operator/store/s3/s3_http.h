// S3Http: whole-message HTTP exchanges with one S3 endpoint.
//
// The S3 client never streams a body through HTTP: uploads go up in parts
// and downloads come down in ranges, each held in memory (a few MiB), so a
// request can be signed over its exact bytes, retried as it is, and no
// transfer holds more than one part however large the object. That keeps
// this interface to one call, and cpprestsdk's streams (which buffer an
// answer without bound) out of the way.
//
// Errors: Unavailable when the endpoint cannot be reached or the
// connection breaks, DeadlineExceeded when no byte arrives within the
// timeout; an HTTP error status is an answer, not an error.
// Thread-safety: Send may be called from many threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/s3/sigv4.h"

namespace runledger::store::s3 {

struct HttpExchange {
  std::string method;
  // Percent-encoded path and query, as signed: "/bucket/a%20b?uploads=".
  std::string target;
  // Sent as they are (Sign()'s output: host, x-amz-*, authorization).
  std::vector<Header> headers;
  // Not owned: alive until Send returns. Sent without a copy.
  std::string_view body;
};

struct HttpAnswer {
  int status = 0;
  std::vector<Header> headers;  // Names lowercase.
  std::string body;

  // The first header named `name` (lowercase), or "".
  std::string HeaderValue(std::string_view name) const;
};

class S3Http {
 public:
  virtual ~S3Http() = default;
  virtual Result<HttpAnswer> Send(const HttpExchange& exchange) = 0;
};

struct S3HttpOptions {
  std::string base_url;  // "https://host[:port]"
  // PEM certificates to trust instead of the system's; empty: the system's.
  std::string ca_pem;
  // No request may go this long without a byte moving.
  std::chrono::seconds timeout{60};
};

// Over cpprestsdk's http_client (one, reused). InvalidArgument for a bad
// URL or a ca_pem without a certificate.
Result<std::unique_ptr<S3Http>> NewS3Http(const S3HttpOptions& options);

}  // namespace runledger::store::s3
