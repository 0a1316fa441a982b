// S3Http over cpprestsdk: the only file of the S3 backend that includes
// cpprestsdk or Boost headers (they are heavy to compile).
//
// The traps of DESIGN.md §5 that apply: one http_client, reused; a custom
// CA replaces the system's trust store (net::TrustOnly); nothing blocks inside a pplx continuation
// (.get() runs on the caller's thread).
#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <cpprest/rawptrstream.h>

#include <boost/asio/ssl.hpp>
#include <cctype>

#include "net/cpprest_support.h"
#include "store/s3/s3_http.h"

namespace runledger::store::s3 {

std::string HttpAnswer::HeaderValue(std::string_view name) const {
  for (const Header& h : headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::client::http_client;
using web::http::client::http_client_config;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class CpprestS3Http final : public S3Http {
 public:
  explicit CpprestS3Http(const S3HttpOptions& options)
      : base_url_(options.base_url), client_(options.base_url, Config(options)) {}

  Result<HttpAnswer> Send(const HttpExchange& exchange) override {
    http_request request(exchange.method);
    request.set_request_uri(exchange.target);
    for (const Header& h : exchange.headers) request.headers().add(h.name, h.value);
    // A PUT or POST always says how long its body is, even when empty
    // (S3 answers 411 MissingContentLength otherwise). The body is read in
    // place: a part is megabytes, and is not copied.
    concurrency::streams::rawptr_buffer<uint8_t> body(
        reinterpret_cast<const uint8_t*>(exchange.body.data()), exchange.body.size());
    if (!exchange.body.empty() || exchange.method == "PUT" || exchange.method == "POST") {
      request.set_body(body.create_istream(), exchange.body.size(), "application/octet-stream");
    }
    try {
      http_response response = client_.request(request).get();
      HttpAnswer answer;
      answer.status = response.status_code();
      for (const auto& [name, value] : response.headers())
        answer.headers.push_back({Lower(name), value});
      // Drained into its final string as it arrives: one copy of a range.
      concurrency::streams::container_buffer<std::string> out;
      response.body().read_to_end(out).get();
      answer.body = std::move(out.collection());
      return answer;
    } catch (const std::exception& e) {
      return net::ExchangeError(exchange.method + " " + base_url_ + exchange.target, e);
    }
  }

 private:
  static http_client_config Config(const S3HttpOptions& options) {
    http_client_config cfg;
    cfg.set_timeout(options.timeout);
    if (!options.ca_pem.empty()) {
      cfg.set_ssl_context_callback(
          [ca = options.ca_pem](boost::asio::ssl::context& ctx) { net::TrustOnly(ctx, ca); });
    }
    return cfg;
  }

  const std::string base_url_;
  http_client client_;
};

}  // namespace

Result<std::unique_ptr<S3Http>> NewS3Http(const S3HttpOptions& options) {
  if (!options.ca_pem.empty() && net::CountPemCertificates(options.ca_pem) == 0) {
    return InvalidArgument("S3 CA bundle: no PEM certificate in it");
  }
  try {
    return std::unique_ptr<S3Http>(std::make_unique<CpprestS3Http>(options));
  } catch (const std::exception& e) {
    return InvalidArgument("S3 endpoint " + options.base_url + ": " + e.what());
  }
}

}  // namespace runledger::store::s3
