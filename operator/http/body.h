// Streamed bodies: BodyReader pulls a request body from the socket, and
// BodySource is pulled by the server for a response body (no Boost here).
//
// Both have the shape of store::Reader (Read(buf, n) → bytes, 0 at the end)
// so a layer above that knows both (tracking/artifacts) adapts them in a
// few lines; http itself depends on nothing but base.
#pragma once

#include <cstddef>

#include "base/status.h"

namespace runledger::http {

// The body of a request on a streamed route (Server::HandleStream). The
// server reads the socket only inside Read, at most about 64 KiB ahead of
// what Read returns, so a slow reader slows the client down (TCP
// backpressure) instead of filling memory.
//
// Read blocks the calling handler's server thread until some bytes arrive.
// On the first Read of a request with "Expect: 100-continue" the server
// sends "100 Continue".
// Errors (each sticks: later calls fail the same way):
//   DeadlineExceeded   no byte arrived within Server::Options::read_timeout;
//   ResourceExhausted  the body crossed the route's limit (the server then
//                      answers 413 whatever the handler returns);
//   InvalidArgument    a malformed (chunked) body (the server answers 400);
//   Unavailable        the client closed or the connection was cut (Stop
//                      after shutdown_grace); nothing is answered.
// After any of them the connection is closed once the handler returns.
// Thread-safety: only the handler's thread may call it, and only while the
// handler runs.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Reads up to `n` bytes into `buf`; returns how many, 0 only at the end
  // of the body.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// The body of a streamed response (Response::body_source). The server asks
// for the next piece only once the previous one was taken by the socket, so
// a slow client holds one piece (64 KiB) in memory, not the whole body.
//
// Read is called on a server thread, one call at a time, after the handler
// returned; it should not block for long (a local file or an object store
// read is fine). An error, or a body shorter or longer than the announced
// Response::body_length, cuts the connection: the status line is out
// already, so the client sees a truncated body, never a wrong one.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Writes up to `n` bytes into `buf`; returns how many, 0 only at the end.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

}  // namespace runledger::http
