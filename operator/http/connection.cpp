// Connection: the per-socket request loop (phases in connection.h).
#include "http/connection.h"

#include <sys/socket.h>

#include <exception>
#include <limits>

namespace runledger::http::internal {
namespace http = beast::http;

namespace {

constexpr size_t kFirstReadBytes = 4096;
// How long and how much LingeringClose drains before it gives up.
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 1 << 20;
}  // namespace

bool IsContinueExpected(const Request& r) {
  if (r.version < 11) return false;
  std::string_view expect = r.Header("Expect");
  return beast::iequals(beast::string_view(expect.data(), expect.size()), "100-continue");
}

Connection::Connection(tcp::socket socket, ServerCore& core)
    : core_(core), stream_(std::move(socket)), fd_(stream_.socket().native_handle()) {
  beast::error_code ec;
  tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
  if (!ec) {
    remote_ = peer.address().is_v6() ? "[" + peer.address().to_string() + "]"
                                     : peer.address().to_string();
    remote_ += ":" + std::to_string(peer.port());
  }
}

Connection::~Connection() { core_.Unregister(this); }

void Connection::Start() {
  if (!core_.Register(shared_from_this())) {
    // Over the connection limit or stopping: nothing was read, so a plain
    // close is clean.
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
    return;
  }
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
}

void Connection::Stop() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stop_requested_ = true;
    // Only an idle connection is closed here; one with a request in flight
    // sees stop_requested_ when it answers and closes after that.
    if (self->state_ == State::kIdle) self->Close();
  });
}

void Connection::Abort() {
  MutexLock l(fd_mu_);
  // shutdown(2) on the descriptor is safe from any thread and leaves the
  // socket object to the strand; fd_closed_ guards against a reused number.
  if (!fd_closed_) ::shutdown(fd_, SHUT_RDWR);
}

void Connection::WaitForRequest() {
  state_ = State::kIdle;
  if (stop_requested_ || core_.stopping()) return Close();
  const Server::Options& o = core_.options();
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(
      std::min<size_t>(o.max_header_bytes, std::numeric_limits<uint32_t>::max())));
  // No limit while reading the header: the route's limit is applied once the
  // route is known (OnHeader), so a Content-Length over it gets our 413.
  // (Not boost::none: Beast 1.74 compares a length against an empty
  // optional as "over the limit".)
  parser_->body_limit(std::numeric_limits<uint64_t>::max());
  request_ = Request{};
  request_.remote_address = remote_;
  stream_parser_.reset();
  route_ = nullptr;
  header_read_ = false;
  if (buffer_.size() > 0) return ReadHeader();  // A pipelined request is already here.
  stream_.expires_after(first_request_ ? o.read_timeout : o.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          beast::bind_front_handler(&Connection::OnFirstBytes, shared_from_this()));
}

void Connection::OnFirstBytes(beast::error_code ec, size_t n) {
  // Idle timeout, the client closed, or Stop(): nothing to answer.
  if (ec) return Close();
  buffer_.commit(n);
  ReadHeader();
}

void Connection::ReadHeader() {
  state_ = State::kReading;
  first_request_ = false;
  // One deadline for the whole request, headers and body: a client that
  // trickles bytes cannot stretch it.
  stream_.expires_after(core_.options().read_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Connection::OnHeader, shared_from_this()));
}

void Connection::FillRequest() {
  const auto& h = parser_->get();
  request_.method = std::string(h.method_string());
  request_.target = std::string(h.target());
  request_.version = static_cast<int>(h.version());
  size_t q = request_.target.find('?');
  request_.path = request_.target.substr(0, q);
  if (q != std::string::npos) request_.query = request_.target.substr(q + 1);
  for (const auto& f : h) request_.headers.emplace_back(f.name_string(), f.value());
  if (auto len = parser_->content_length()) request_.content_length = *len;
  keep_alive_requested_ = h.keep_alive();
}

size_t Connection::BodyLimit() const {
  return route_->options.max_body_bytes ? route_->options.max_body_bytes
                                        : core_.options().max_body_bytes;
}

bool Connection::BodyDone() const {
  return stream_parser_ ? stream_parser_->is_done() : parser_->is_done();
}

void Connection::OnHeader(beast::error_code ec, size_t) {
  if (ec == http::error::header_limit) {
    return Send(TextResponse(431, "request header fields too large"));
  }
  if (ec == beast::error::timeout || ec == net::error::operation_aborted ||
      ec == http::error::end_of_stream || ec == net::error::eof ||
      ec == net::error::connection_reset) {
    return Close();
  }
  if (ec) return Send(TextResponse(400, "bad request: " + ec.message()));
  header_read_ = true;
  FillRequest();
  if (request_.path.empty() || request_.path[0] != '/') {
    return Send(TextResponse(400, "bad request: the target must be a path"));
  }

  Router::Match m = core_.router().Find(request_.method, request_.path);
  if (m.route == nullptr) {
    if (m.status == 405) {
      Response r = TextResponse(405, "method " + request_.method + " not allowed");
      r.headers.emplace_back("Allow", m.allow);
      return Send(std::move(r));
    }
    return Send(TextResponse(404, "not found: " + request_.path));
  }
  route_ = m.route;

  const size_t limit = BodyLimit();
  if (request_.content_length && *request_.content_length > limit) {
    return Send(TextResponse(413, "request body larger than " + std::to_string(limit) + " bytes"));
  }
  if (route_->options.on_headers) {
    std::optional<Response> early =
        Call([this] { return route_->options.on_headers(request_); }, "header check");
    if (early) return Send(std::move(*early));
  }
  parser_->body_limit(limit);  // Chunked bodies are counted as they come.
  // A streamed handler pulls the body itself (and 100 Continue with it).
  if (route_->stream_handler) return DispatchStreamed();
  if (parser_->is_done()) return Dispatch();  // No body.
  if (IsContinueExpected(request_)) {
    return net::async_write(
        stream_, net::buffer(kContinue.data(), kContinue.size()),
        beast::bind_front_handler(&Connection::OnContinueWritten, shared_from_this()));
  }
  ReadBody();
}

void Connection::OnContinueWritten(beast::error_code ec, size_t) {
  if (ec) return Close();
  ReadBody();
}

void Connection::ReadBody() {
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Connection::OnBody, shared_from_this()));
}

void Connection::OnBody(beast::error_code ec, size_t) {
  if (ec == http::error::body_limit) {
    return Send(
        TextResponse(413, "request body larger than " + std::to_string(BodyLimit()) + " bytes"));
  }
  // Timeout, reset or a broken body: the client is gone or not worth an answer.
  if (ec) return Close();
  request_.body = std::move(parser_->get().body());
  Dispatch();
}

std::optional<Response> Connection::Call(const std::function<std::optional<Response>()>& f,
                                         std::string_view what) {
  try {
    return f();
  } catch (const std::exception& e) {
    core_.Log("http: " + std::string(what) + " for " + request_.method + " " + request_.path +
              " threw: " + e.what());
  } catch (...) {
    core_.Log("http: " + std::string(what) + " for " + request_.method + " " + request_.path +
              " threw");
  }
  return TextResponse(500, "internal error");
}

void Connection::Dispatch() {
  state_ = State::kHandling;
  Send(*Call([this] { return std::optional<Response>(route_->handler(request_)); }, "handler"));
}

void Connection::Send(Response r) {
  state_ = State::kWriting;
  const bool body_unread = !BodyDone();
  const bool keep_alive = header_read_ && !body_unread && keep_alive_requested_ &&
                          !stop_requested_ && !core_.stopping();
  const bool head = header_read_ && request_.method == "HEAD";
  if (r.body_source && !head) return WriteStreamed(std::move(r), keep_alive);
  auto res = std::make_unique<http::response<http::string_body>>();
  res->version(header_read_ ? request_.version : 11);
  res->result(r.status >= 100 && r.status <= 599 ? static_cast<unsigned>(r.status) : 500u);
  for (auto& [name, value] : r.headers) res->insert(name, value);
  if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
  res->keep_alive(keep_alive);
  if (head) {
    // The length a GET would have, and no body.
    if (!r.body_source) {
      res->content_length(r.body.size());
    } else if (r.body_length) {
      res->content_length(*r.body_length);
    }
  } else {
    res->body() = std::move(r.body);
    res->prepare_payload();
  }
  response_ = std::move(res);
  // The client must take its answer within read_timeout too.
  stream_.expires_after(core_.options().read_timeout);
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&Connection::OnWritten, shared_from_this(),
                                              keep_alive, body_unread));
}

void Connection::OnWritten(bool keep_alive, bool body_unread, beast::error_code ec, size_t) {
  response_.reset();
  serializer_.reset();  // Before the response it refers to.
  stream_response_.reset();
  source_.reset();
  if (ec) return Close();
  if (!keep_alive) return body_unread ? LingeringClose() : Close();
  WaitForRequest();
}

void Connection::LingeringClose() {
  state_ = State::kClosing;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLingerTime);
  lingered_ = 0;
  stream_.async_read_some(net::buffer(drain_),
                          beast::bind_front_handler(&Connection::OnLinger, shared_from_this()));
}

void Connection::OnLinger(beast::error_code ec, size_t n) {
  lingered_ += n;
  if (ec || lingered_ >= kLingerBytes) return Close();
  stream_.async_read_some(net::buffer(drain_),
                          beast::bind_front_handler(&Connection::OnLinger, shared_from_this()));
}

void Connection::Close() {
  state_ = State::kClosing;
  MutexLock l(fd_mu_);
  if (fd_closed_) return;
  fd_closed_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();  // Also cancels the stream's deadline timer.
}

}  // namespace runledger::http::internal
