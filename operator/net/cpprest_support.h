// What the project's two cpprestsdk clients (kube/transport_cpprest.cpp for
// the API server, store/s3/s3_http_cpprest.cpp for S3) share: checking PEM
// material, trusting one CA only, and turning a failed exchange into a
// Status. This header is light; cpprestsdk and Boost stay in its .cpp and
// in those two callers.
//
// Thread-safety: pure functions.
#pragma once

#include <exception>
#include <string>

#include "base/status.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace runledger::net {

// How many PEM certificates `pem` holds (0 for anything else).
int CountPemCertificates(const std::string& pem);

// Makes `context` trust the certificates of `ca_pem` and nothing else: the
// system's trust store is replaced by an empty one before they are added.
void TrustOnly(boost::asio::ssl::context& context, const std::string& ca_pem);

// The Status of an exchange that threw `e`: DeadlineExceeded when the
// client's timeout fired, else Unavailable. `what` begins the message, e.g.
// "GET https://host/path".
Status ExchangeError(const std::string& what, const std::exception& e);

}  // namespace runledger::net
