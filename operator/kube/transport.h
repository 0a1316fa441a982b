// Transport: HTTP to one API server, with TLS and authentication applied.
//
// The Client builds requests (paths, bodies, options) and decodes answers;
// the Transport only moves bytes. This keeps cpprestsdk and Boost headers in
// one .cpp file and lets the Client's logic be tested with a fake transport.
//
// Errors: Unavailable when the server cannot be reached or the connection
// breaks; when it broke after it was made (reset by the peer, closed before
// the whole answer arrived) its details().reason is kConnectionReset, which
// the Client may retry for idempotent requests. DeadlineExceeded when no byte arrives within the
// timeout; Cancelled when a stream is stopped. An HTTP error status is not an error here: the
// answer is returned for the Client to decode.
//
// Thread-safety: Send and Stream may be called concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "kube/config.h"

namespace runledger::kube {

// details().reason of a transport error for a connection that broke after it
// was made (client-go's IsConnectionReset and IsProbableEOF).
inline constexpr char kConnectionReset[] = "ConnectionReset";

struct HttpRequest {
  std::string method;        // "GET", "POST", "PUT", "PATCH", "DELETE".
  std::string target;        // Path and query, e.g. "/api/v1/pods?limit=10".
  std::string body;          // Empty for none.
  std::string content_type;  // Of the body.
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string retry_after;  // The Retry-After header, if any.
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Sends the request and reads the whole answer.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;

  // Sends the request; if the answer is 200, passes its body to `on_data` as
  // it arrives, until the server ends it (returns the response with an empty
  // body), `on_data` returns an error (that error), or `stop` is requested
  // (Cancelled, promptly). Any other status is returned whole, as by Send.
  virtual Result<HttpResponse> Stream(const HttpRequest& request,
                                      const std::function<Status(std::string_view)>& on_data,
                                      std::stop_token stop) = 0;
};

struct TransportOptions {
  // No request may go this long without receiving a byte.
  std::chrono::seconds request_timeout{30};
  // The same for streams; must exceed the watch timeoutSeconds the Client sends.
  std::chrono::seconds stream_timeout{360};
  std::string user_agent = "runledger";
  // For the token file's re-read interval; not owned, must outlive the transport.
  const Clock* clock = &Clock::Real();
};

// A Transport over cpprestsdk's http_client. Checks the certificates and key
// in `config` up front, so a bad PEM is reported here rather than on the
// first request.
Result<std::unique_ptr<Transport>> NewHttpTransport(const Config& config,
                                                    const TransportOptions& options);

}  // namespace runledger::kube
