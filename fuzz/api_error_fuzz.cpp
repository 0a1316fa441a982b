// libFuzzer target: decoding a failed answer (any status, Retry-After header
// and body) or a watch ERROR event must never crash, must always give an
// error, and the message must stay bounded when the body is not a Status.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kube/api_error.h"
#include "kube/retry.h"

using namespace runledger;
using namespace runledger::kube;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // Two bytes choose the HTTP status (300-599); the header runs to the first
  // newline, the body is the rest.
  const int http_status = 300 + ((data[0] << 8) | data[1]) % 300;
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t newline = rest.find('\n');
  const std::string_view header =
      newline == std::string_view::npos ? std::string_view() : rest.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? rest : rest.substr(newline + 1);

  const Status s = DecodeApiError(http_status, body, header, "GET /fuzz");
  if (s.ok()) std::abort();
  // The retry policy reads what the decoder kept; its waits stay bounded.
  const RetryPolicy policy;
  for (const char* method : {"GET", "POST"}) {
    if (auto d = RetryDelay(policy, method, 0, s);
        d && (*d < std::chrono::seconds(0) || *d > policy.max_wait)) {
      std::abort();
    }
  }
  if (DecodeWatchError(body).ok()) std::abort();
  return 0;
}
