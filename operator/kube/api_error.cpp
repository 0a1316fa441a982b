#include "kube/api_error.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <string>

#include "base/strings.h"
#include "kube/json_fields.h"

namespace runledger::kube {
namespace {

using nlohmann::json;

Code CodeFor(int http_status, std::string_view reason, const std::vector<FieldCause>& causes = {}) {
  // A server-side apply conflict with another field manager is a 409
  // Conflict, but re-reading never resolves it: it needs force or a fix.
  for (const auto& cause : causes) {
    if (cause.reason == "FieldManagerConflict") return Code::kFailedPrecondition;
  }
  // The reason is more specific than the HTTP status (409 is both
  // AlreadyExists and Conflict), so it decides first.
  if (reason == "NotFound") return Code::kNotFound;
  if (reason == "AlreadyExists") return Code::kAlreadyExists;
  if (reason == "Conflict") return Code::kConflict;
  if (reason == "Gone" || reason == "Expired") return Code::kGone;
  if (reason == "Invalid" || reason == "BadRequest") return Code::kInvalidArgument;
  if (reason == "Forbidden") return Code::kPermissionDenied;
  if (reason == "Unauthorized") return Code::kUnauthenticated;
  if (reason == "TooManyRequests") return Code::kResourceExhausted;
  if (reason == "ServerTimeout" || reason == "Timeout") return Code::kDeadlineExceeded;
  // InternalError is mostly transient (a webhook or etcd timing out).
  if (reason == "ServiceUnavailable" || reason == "InternalError") return Code::kUnavailable;
  if (reason == "MethodNotAllowed") return Code::kUnimplemented;
  switch (http_status) {
    case 400: return Code::kInvalidArgument;
    case 401: return Code::kUnauthenticated;
    case 403: return Code::kPermissionDenied;
    case 404: return Code::kNotFound;
    case 405: return Code::kUnimplemented;
    case 409: return Code::kConflict;
    case 410: return Code::kGone;
    case 413:
    case 415: return Code::kInvalidArgument;
    case 422: return Code::kInvalidArgument;
    case 429: return Code::kResourceExhausted;
    case 502:
    case 503: return Code::kUnavailable;
    case 504: return Code::kDeadlineExceeded;
    default: return Code::kInternal;
  }
}

std::optional<std::chrono::seconds> ParseSeconds(std::string_view s) {
  long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return std::chrono::seconds(v);
}

// Builds the Status from a decoded metav1.Status object.
Status FromStatusObject(int http_status, const json& obj, std::string_view retry_after_header,
                        std::string_view what) {
  ErrorDetails details;
  details.http_status = static_cast<int>(IntField(obj, "code").value_or(http_status));
  details.reason = StringField(obj, "reason");
  std::string message = StringField(obj, "message");
  const json& d = ObjectField(obj, "details");
  if (const auto causes = d.find("causes");
      d.is_object() && causes != d.end() && causes->is_array()) {
    for (const auto& cause : *causes) {
      details.causes.push_back({StringField(cause, "field"), StringField(cause, "reason"),
                                StringField(cause, "message")});
    }
  }
  if (auto seconds = IntField(d, "retryAfterSeconds")) {
    details.retry_after = std::chrono::seconds(*seconds);
  }
  if (!details.retry_after && !retry_after_header.empty()) {
    details.retry_after = ParseSeconds(retry_after_header);
  }
  if (message.empty()) {
    message = "HTTP " + std::to_string(http_status) + " from " + std::string(what);
  }
  const Code code = CodeFor(details.http_status, details.reason, details.causes);
  return Status(code, std::move(message), std::move(details));
}

}  // namespace

Status DecodeApiError(int http_status, std::string_view body, std::string_view retry_after_header,
                      std::string_view what) {
  json obj = ParseUntrustedJson(body);
  if (StringField(obj, "kind") == "Status") {
    return FromStatusObject(http_status, obj, retry_after_header, what);
  }
  // Not a Status object (a proxy, or a plain-text answer): keep a bounded
  // excerpt of the body so the user sees what came back.
  constexpr size_t kExcerpt = 300;
  std::string message = "HTTP " + std::to_string(http_status) + " from " + std::string(what);
  const std::string_view excerpt = TrimTrailingSpace(body.substr(0, kExcerpt));
  if (!excerpt.empty()) {
    message += ": ";
    message += excerpt;
  }
  ErrorDetails details;
  details.http_status = http_status;
  if (!retry_after_header.empty()) details.retry_after = ParseSeconds(retry_after_header);
  return Status(CodeFor(http_status, ""), std::move(message), std::move(details));
}

Status DecodeWatchError(std::string_view status_json) {
  json obj = ParseUntrustedJson(status_json);
  if (!obj.is_object()) return Internal("watch ERROR event without a Status object");
  return FromStatusObject(static_cast<int>(IntField(obj, "code").value_or(500)), obj, "", "watch");
}

}  // namespace runledger::kube
