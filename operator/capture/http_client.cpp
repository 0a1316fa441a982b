#include "capture/http_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace runledger::capture {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class HttpClient::Impl {
 public:
  explicit Impl(Options options) : options_(std::move(options)) {}

  const Options& options() const { return options_; }

  Result<HttpResponse> Send(const HttpRequest& request, std::chrono::milliseconds timeout) {
    const bool reused = stream_.has_value();
    auto r = Exchange(request, timeout);
    if (!r.ok() && reused) {
      // The server may have closed the idle connection; one fresh try.
      r = Exchange(request, timeout);
    }
    return r;
  }

 private:
  // Runs the io_context until the started operation has completed. The
  // stream's expiry cancels it at its deadline (beast::error::timeout).
  beast::error_code RunOne() {
    ioc_.restart();
    ioc_.run();
    return ec_;
  }

  Status Connect(std::chrono::milliseconds timeout) {
    beast::error_code ec;
    const asio::ip::address address = asio::ip::make_address(options_.address, ec);
    if (ec) return Unavailable("\"" + options_.address + "\" is not a numeric address");
    stream_.emplace(ioc_);
    stream_->expires_after(std::min(timeout, options_.connect_timeout));
    stream_->async_connect(tcp::endpoint(address, options_.port),
                           [this](beast::error_code e) { ec_ = e; });
    if (RunOne()) return Broken("connecting");
    // A request's header and body go out as separate writes; Nagle's
    // algorithm would hold the body for the server's delayed ACK.
    stream_->socket().set_option(tcp::no_delay(true), ec);
    return Status::Ok();
  }

  Status Broken(const std::string& during) {
    const std::string what = ec_.message();
    stream_.reset();
    buffer_.clear();
    return Unavailable(during + " to " + options_.address + ":" + std::to_string(options_.port) +
                       ": " + what);
  }

  Result<HttpResponse> Exchange(const HttpRequest& request, std::chrono::milliseconds timeout) {
    if (!stream_) RETURN_IF_ERROR(Connect(timeout));
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), request.target,
                                           11};
    req.set(bhttp::field::host, options_.address + ":" + std::to_string(options_.port));
    req.set(bhttp::field::user_agent, "runledger-capture");
    if (!request.content_type.empty()) req.set(bhttp::field::content_type, request.content_type);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = request.body;
    req.prepare_payload();
    req.keep_alive(true);

    stream_->expires_after(timeout);
    bhttp::async_write(*stream_, req, [this](beast::error_code e, size_t) { ec_ = e; });
    if (RunOne()) return Broken("sending");
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1 << 20);
    bhttp::async_read(*stream_, buffer_, parser, [this](beast::error_code e, size_t) { ec_ = e; });
    if (RunOne()) return Broken("reading the answer");
    stream_->expires_never();
    auto res = parser.release();
    HttpResponse out{static_cast<int>(res.result_int()), std::move(res.body())};
    if (!res.keep_alive()) {
      stream_.reset();
      buffer_.clear();
    }
    return out;
  }

  const Options options_;
  asio::io_context ioc_{1};
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  beast::error_code ec_;
};

HttpClient::HttpClient(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Send(const HttpRequest& request,
                                      std::chrono::milliseconds timeout) {
  // Boost reports some failures by throwing (no memory, a header value it
  // cannot send): they must not reach the pusher's thread and end the program.
  try {
    return impl_->Send(request, timeout);
  } catch (const std::exception& e) {
    impl_ = std::make_unique<Impl>(impl_->options());
    return Unavailable(std::string("HTTP client: ") + e.what());
  }
}

}  // namespace runledger::capture
