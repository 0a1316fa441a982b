#include "net/cpprest_support.h"

#include <cpprest/http_client.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl.hpp>
#include <memory>

namespace runledger::net {

int CountPemCertificates(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++count;
  }
  return count;
}

void TrustOnly(boost::asio::ssl::context& context, const std::string& ca_pem) {
  SSL_CTX_set_cert_store(context.native_handle(), X509_STORE_new());
  context.add_certificate_authority(boost::asio::buffer(ca_pem));
}

Status ExchangeError(const std::string& what, const std::exception& e) {
  const auto* he = dynamic_cast<const web::http::http_exception*>(&e);
  if (he != nullptr && he->error_code() == std::errc::timed_out) {
    return DeadlineExceeded(what + ": no answer in time (" + e.what() + ")");
  }
  return Unavailable(what + ": " + e.what());
}

}  // namespace runledger::net
