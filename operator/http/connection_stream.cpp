// Connection: streamed request bodies (StreamBody, pulled by the handler on
// the strand) and streamed response bodies (WriteStreamed, pulled as the
// socket drains).
#include <poll.h>

#include <algorithm>
#include <cerrno>

#include "http/connection.h"

namespace runledger::http::internal {
namespace http = beast::http;

namespace {

// Most bytes read from the socket ahead of the handler, and the size of one
// piece of a streamed answer: the memory one transfer holds.
constexpr size_t kPieceBytes = 64 * 1024;

}  // namespace

// Reads the body synchronously on the connection's strand (the handler runs
// there, so no other step of this connection can touch the socket or the
// buffer meanwhile). The socket is read only when the parser needs input,
// at most kPieceBytes at a time: that is the backpressure.
class Connection::StreamBody final : public BodyReader {
 public:
  explicit StreamBody(Connection& c) : c_(c) {}

  Result<size_t> Read(char* buf, size_t n) override {
    if (!failure_.ok()) return failure_;
    if (!c_.stream_parser_ || c_.stream_parser_->is_done() || n == 0) return size_t{0};
    if (!continue_sent_) {
      continue_sent_ = true;
      if (IsContinueExpected(c_.request_)) {
        beast::error_code ec;
        net::write(c_.stream_.socket(), net::buffer(kContinue.data(), kContinue.size()), ec);
        if (ec) return Fail(Unavailable("cannot send 100 Continue: " + ec.message()));
      }
    }
    StreamParser& p = *c_.stream_parser_;
    p.get().body().data = buf;
    p.get().body().size = n;
    for (;;) {
      if (c_.buffer_.size() > 0) {
        beast::error_code ec;
        const size_t used = p.put(c_.buffer_.data(), ec);
        c_.buffer_.consume(used);
        const size_t got = n - p.get().body().size;
        // need_buffer: `buf` is full; need_more: the input ends mid-element.
        if (ec == http::error::need_buffer || ec == http::error::need_more) ec = {};
        if (ec) return Fail(ParseError(ec));
        if (got > 0 || p.is_done()) {
          p.get().body().data = nullptr;
          return got;
        }
        if (used > 0) continue;  // A chunk header was taken; parse on.
      }
      if (Status s = Fill(); !s.ok()) return Fail(std::move(s));
    }
  }

  // Why reading failed; OK if it did not.
  const Status& failure() const { return failure_; }

 private:
  Status Fail(Status s) {
    if (c_.stream_parser_) c_.stream_parser_->get().body().data = nullptr;
    failure_ = std::move(s);
    return failure_;
  }

  Status ParseError(beast::error_code ec) const {
    if (ec == http::error::body_limit) {
      return Status(Code::kResourceExhausted,
                    "request body larger than " + std::to_string(c_.BodyLimit()) + " bytes");
    }
    return InvalidArgument("malformed request body: " + ec.message());
  }

  // Waits up to read_timeout for the socket to be readable, then appends
  // what is there (up to kPieceBytes) to the connection's buffer.
  Status Fill() {
    const auto timeout = c_.core_.options().read_timeout;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return DeadlineExceeded("no byte of the request body within " +
                                std::to_string(timeout.count()) + " ms");
      }
      pollfd pfd{c_.fd_, POLLIN, 0};
      int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Unavailable("poll on the client socket failed");
      if (r > 0) break;
    }
    beast::error_code ec;
    const size_t got = c_.stream_.socket().read_some(c_.buffer_.prepare(kPieceBytes), ec);
    c_.buffer_.commit(got);
    if (ec == net::error::eof) {
      beast::error_code eof_ec;
      c_.stream_parser_->put_eof(eof_ec);
      return Unavailable("the client closed the connection before the body ended");
    }
    if (ec) return Unavailable("reading the request body: " + ec.message());
    return Status::Ok();
  }

  Connection& c_;
  bool continue_sent_ = false;
  Status failure_;
};

void Connection::DispatchStreamed() {
  state_ = State::kHandling;
  if (!parser_->is_done()) {
    // Only the header was parsed, so the parser can change its body type.
    stream_parser_.emplace(std::move(*parser_));
    stream_parser_->body_limit(BodyLimit());
  }
  StreamBody body(*this);
  Response r = *Call(
      [&] { return std::optional<Response>(route_->stream_handler(request_, body)); }, "handler");
  const Status& failure = body.failure();
  if (failure.code() == Code::kResourceExhausted) {
    r = TextResponse(413, failure.message());
  } else if (failure.code() == Code::kInvalidArgument) {
    r = TextResponse(400, "bad request: " + failure.message());
  } else if (!failure.ok()) {
    // Past the deadline, or the client is gone: nobody to answer.
    return Close();
  }
  Send(std::move(r));
}

void Connection::WriteStreamed(Response r, bool keep_alive) {
  auto res = std::make_unique<StreamResponse>();
  res->version(request_.version);
  res->result(r.status >= 100 && r.status <= 599 ? static_cast<unsigned>(r.status) : 500u);
  for (auto& [name, value] : r.headers) res->insert(name, value);
  if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
  if (r.body_length) {
    res->content_length(*r.body_length);
  } else if (request_.version >= 11) {
    res->chunked(true);
  } else {
    keep_alive = false;  // HTTP/1.0 without a length: the close ends the body.
  }
  res->keep_alive(keep_alive);
  res->body().data = nullptr;
  res->body().more = true;
  stream_response_ = std::move(res);
  serializer_ = std::make_unique<StreamSerializer>(*stream_response_);
  source_ = std::move(r.body_source);
  source_left_ = r.body_length;
  piece_.resize(kPieceBytes);
  stream_.expires_after(core_.options().read_timeout);
  http::async_write_header(
      stream_, *serializer_,
      beast::bind_front_handler(&Connection::OnStreamedWritten, shared_from_this(), keep_alive));
}

void Connection::OnStreamedWritten(bool keep_alive, beast::error_code ec, size_t) {
  if (ec == http::error::need_buffer) ec = {};  // The piece is out; the body is not done.
  if (ec) return Close();
  if (serializer_->is_done()) return OnWritten(keep_alive, !BodyDone(), ec, 0);
  PumpStreamed(keep_alive);
}

void Connection::PumpStreamed(bool keep_alive) {
  const size_t want = source_left_
                          ? static_cast<size_t>(std::min<uint64_t>(piece_.size(), *source_left_))
                          : piece_.size();
  Result<size_t> got = want > 0 ? source_->Read(piece_.data(), want) : Result<size_t>(size_t{0});
  if (!got.ok() || (*got == 0 && source_left_.value_or(0) > 0)) {
    // The status line is out: cut the connection so the client sees a
    // truncated body rather than a complete wrong one.
    core_.Log("http: streamed body of " + request_.method + " " + request_.path + " " +
              (got.ok() ? "ended " + std::to_string(*source_left_) + " bytes short"
                        : "failed: " + got.status().ToString()));
    return Close();
  }
  auto& body = stream_response_->body();
  body.data = *got > 0 ? piece_.data() : nullptr;
  body.size = *got;
  body.more = *got > 0;
  if (source_left_) *source_left_ -= *got;
  // Each piece must be taken within read_timeout: a progress deadline.
  stream_.expires_after(core_.options().read_timeout);
  http::async_write(
      stream_, *serializer_,
      beast::bind_front_handler(&Connection::OnStreamedWritten, shared_from_this(), keep_alive));
}

}  // namespace runledger::http::internal
