// The cpprestsdk-based Transport. This is the only file of the kube layer
// that includes cpprestsdk or Boost headers (they are heavy to compile).
//
// cpprestsdk traps avoided here (DESIGN.md §5):
// - getn(buf, N) waits until N bytes arrive, so a stream is read with getc()
//   (waits for one byte) followed by an in_avail()-sized getn().
// - set_timeout is an inactivity timer: streams get their own client whose
//   timeout exceeds the watch's timeoutSeconds.
// - A stream is stopped with a cancellation token, not by closing it.
// - Only the cluster CA is trusted: the SSL context gets an empty store
//   before the CA is added.
// - One http_client per purpose, reused: a client per request exhausts ports.
// - Nothing here blocks inside a pplx continuation: .get() is only called on
//   the caller's own thread.
#include <cpprest/http_client.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ssl.hpp>
#include <cerrno>
#include <vector>

#include "base/file.h"
#include "base/mutex.h"
#include "base/strings.h"
#include "kube/transport.h"
#include "net/cpprest_support.h"

namespace runledger::kube {
namespace {

using web::http::http_exception;
using web::http::http_request;
using web::http::http_response;
using web::http::client::http_client;
using web::http::client::http_client_config;

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;

BioPtr MemBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Checks the PEM material so that a bad file is reported when the client is
// made, naming the config it came from.
Status CheckTlsMaterial(const Config& c) {
  if (!c.ca_pem.empty() && net::CountPemCertificates(c.ca_pem) == 0) {
    return InvalidArgument(c.source + ": certificate-authority holds no PEM certificate");
  }
  if (!c.client_cert_pem.empty()) {
    BioPtr cert_bio = MemBio(c.client_cert_pem);
    X509Ptr cert{PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)};
    if (!cert) return InvalidArgument(c.source + ": client-certificate is not a PEM certificate");
    BioPtr key_bio = MemBio(c.client_key_pem);
    KeyPtr key{PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr)};
    if (!key) return InvalidArgument(c.source + ": client-key is not a PEM private key");
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
      return InvalidArgument(c.source + ": client-key does not match client-certificate");
    }
  }
  return Status();
}

// cpprestsdk reports Boost.Asio errors by value in the generic category.
// Measured on 2.10.18 against a socket that misbehaves: a reset (RST) after
// the request is 104 (ECONNRESET), a close before the status line 103
// (ECONNABORTED), a close mid-body 2 (Asio's misc "eof"; ENOENT cannot occur
// on a connected socket), a write into a closed socket 32 (EPIPE). A refused
// or unreachable server is 113 and a TLS failure another value: not a reset.
bool IsConnectionReset(const http_exception& e) {
  const int v = e.error_code().value();
  return v == ECONNRESET || v == ECONNABORTED || v == EPIPE || v == 2;
}

Status TransportError(const HttpRequest& r, const std::string& server, const std::exception& e) {
  const std::string what = r.method + " " + server + r.target;
  const auto* he = dynamic_cast<const http_exception*>(&e);
  if (he != nullptr && IsConnectionReset(*he)) {
    ErrorDetails details;
    details.reason = kConnectionReset;
    return Status(Code::kUnavailable, what + ": connection broke: " + e.what(), std::move(details));
  }
  return net::ExchangeError(what, e);
}

class CpprestTransport final : public Transport {
 public:
  CpprestTransport(Config config, const TransportOptions& options)
      : config_(std::move(config)),
        user_agent_(options.user_agent),
        clock_(*options.clock),
        request_client_(config_.server, ClientConfig(options.request_timeout)),
        stream_client_(config_.server, ClientConfig(options.stream_timeout)) {}

  Result<HttpResponse> Send(const HttpRequest& request) override {
    try {
      http_response resp = request_client_.request(Build(request)).get();
      return Finish(resp);
    } catch (const std::exception& e) {
      return TransportError(request, config_.server, e);
    }
  }

  Result<HttpResponse> Stream(const HttpRequest& request,
                              const std::function<Status(std::string_view)>& on_data,
                              std::stop_token stop) override {
    pplx::cancellation_token_source cancel;
    std::stop_callback on_stop(stop, [&cancel] { cancel.cancel(); });
    // However the stream ends here, the request must end too: otherwise
    // cpprestsdk keeps reading it in the background until the server's
    // timeout, holding the connection.
    struct CancelOnExit {
      pplx::cancellation_token_source& source;
      ~CancelOnExit() { source.cancel(); }
    } cancel_on_exit{cancel};

    std::vector<char> chunk(64 * 1024);
    try {
      http_response resp = stream_client_.request(Build(request), cancel.get_token()).get();
      if (resp.status_code() != 200) return Finish(resp);
      auto buf = resp.body().streambuf();
      while (!stop.stop_requested()) {
        // Wait for one byte, then take everything already buffered.
        if (buf.getc().get() == std::char_traits<char>::eof()) break;
        const size_t n = std::clamp<size_t>(buf.in_avail(), 1, chunk.size());
        const size_t got = buf.getn(reinterpret_cast<uint8_t*>(chunk.data()), n).get();
        Status delivered = Deliver(on_data, std::string_view(chunk.data(), got));
        if (!delivered.ok()) return delivered;
      }
    } catch (const std::exception& e) {
      if (stop.stop_requested()) return Cancelled("stream stopped");
      return TransportError(request, config_.server, e);
    }
    if (stop.stop_requested()) return Cancelled("stream stopped");
    HttpResponse done;
    done.status = 200;
    return done;
  }

 private:
  http_client_config ClientConfig(std::chrono::seconds timeout) const {
    http_client_config cfg;
    cfg.set_timeout(timeout);
    if (config_.insecure_skip_tls_verify) cfg.set_validate_certificates(false);
    const std::string ca = config_.ca_pem;
    const std::string cert = config_.client_cert_pem;
    const std::string key = config_.client_key_pem;
    cfg.set_ssl_context_callback([ca, cert, key](boost::asio::ssl::context& ctx) {
      if (!ca.empty()) net::TrustOnly(ctx, ca);  // The cluster CA and nothing else.
      if (!cert.empty()) {
        ctx.use_certificate_chain(boost::asio::buffer(cert));
        ctx.use_private_key(boost::asio::buffer(key), boost::asio::ssl::context::pem);
      }
    });
    return cfg;
  }

  http_request Build(const HttpRequest& r) {
    http_request req(r.method);
    req.set_request_uri(r.target);
    req.headers().add("Accept", "application/json");
    req.headers().add("User-Agent", user_agent_);
    if (const std::string token = BearerToken(); !token.empty()) {
      req.headers().add("Authorization", "Bearer " + token);
    }
    if (!r.body.empty() || !r.content_type.empty()) req.set_body(r.body, r.content_type);
    return req;
  }

  // Calls the caller's callback; an exception from it is the caller's bug,
  // not a transport failure, and is reported as such.
  static Status Deliver(const std::function<Status(std::string_view)>& on_data,
                        std::string_view data) {
    try {
      return on_data(data);
    } catch (const std::exception& e) {
      return Internal(std::string("stream callback threw: ") + e.what());
    }
  }

  static Result<HttpResponse> Finish(http_response& resp) {
    HttpResponse out;
    out.status = resp.status_code();
    out.body = resp.extract_utf8string(/*ignore_content_type=*/true).get();
    if (auto it = resp.headers().find("Retry-After"); it != resp.headers().end()) {
      out.retry_after = it->second;
    }
    return out;
  }

  // The token, re-read from token_file at most once a minute: projected
  // service-account tokens are rotated by the kubelet. A token given inline
  // wins over a file, as in kubectl.
  std::string BearerToken() {
    if (!config_.token.empty() || config_.token_file.empty()) return config_.token;
    MutexLock lock(token_mu_);
    const auto now = clock_.SteadyNow();
    if (token_cache_.empty() || now - token_read_ > std::chrono::minutes(1)) {
      if (auto token = ReadFile(config_.token_file); token.ok()) {
        token_cache_ = std::string(TrimSpace(*token));
        token_read_ = now;
      } else {
        spdlog::warn("kube: {}; using the previous token", token.status().message());
      }
    }
    return token_cache_;
  }

  const Config config_;
  const std::string user_agent_;
  const Clock& clock_;
  http_client request_client_;
  http_client stream_client_;
  Mutex token_mu_;
  std::string token_cache_ GUARDED_BY(token_mu_);
  Clock::SteadyTime token_read_ GUARDED_BY(token_mu_);
};

}  // namespace

Result<std::unique_ptr<Transport>> NewHttpTransport(const Config& config,
                                                    const TransportOptions& options) {
  RETURN_IF_ERROR(CheckTlsMaterial(config));
  if (!config.tls_server_name.empty()) {
    // cpprestsdk verifies the certificate against the URL's host only.
    return Status(Code::kUnimplemented,
                  config.source +
                      ": tls-server-name is not supported; reach the server by a name "
                      "its certificate holds");
  }
  if (options.stream_timeout <= options.request_timeout) {
    return InvalidArgument("stream timeout must exceed the request timeout");
  }
  try {
    return std::unique_ptr<Transport>(std::make_unique<CpprestTransport>(config, options));
  } catch (const std::exception& e) {
    return InvalidArgument(config.source + ": server \"" + config.server + "\": " + e.what());
  }
}

}  // namespace runledger::kube
