// A scripted S3Http for unit tests of the client's logic (retries, error
// mapping, multipart bookkeeping): each exchange is recorded and answered
// by the test's handler. Real S3 behaviour is tested end to end
// (tests/e2e/, versitygw and moto).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "store/s3/s3_http.h"

namespace runledger::store::s3 {

class FakeS3Http final : public S3Http {
 public:
  using Handler = std::function<Result<HttpAnswer>(const HttpExchange&)>;

  // An exchange as sent, its body copied (HttpExchange only views it).
  struct Sent {
    std::string method, target;
    std::vector<Header> headers;
    std::string body;
  };
  struct Shared {
    std::mutex mu;
    std::vector<Sent> sent;
    Handler handler;
  };

  explicit FakeS3Http(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  Result<HttpAnswer> Send(const HttpExchange& exchange) override {
    Handler handler;
    {
      std::lock_guard lock(shared_->mu);
      shared_->sent.push_back(
          {exchange.method, exchange.target, exchange.headers, std::string(exchange.body)});
      handler = shared_->handler;
    }
    return handler(exchange);
  }

 private:
  std::shared_ptr<Shared> shared_;
};

inline HttpAnswer Answer(int status, std::string body = "", std::vector<Header> headers = {}) {
  HttpAnswer a;
  a.status = status;
  a.body = std::move(body);
  a.headers = std::move(headers);
  return a;
}

inline std::string ErrorXml(const std::string& code, const std::string& message = "m") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" +
         message + "</Message><RequestId>req-1</RequestId></Error>";
}

// The value of header `name` in `e`, or "".
inline std::string HeaderOf(const FakeS3Http::Sent& e, const std::string& name) {
  for (const Header& h : e.headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

}  // namespace runledger::store::s3
