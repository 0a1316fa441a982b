#include "tracking/error_json.h"

#include <nlohmann/json.hpp>

namespace runledger::tracking {

int MlflowHttpStatus(std::string_view code) {
  if (code == "RESOURCE_DOES_NOT_EXIST" || code == "ENDPOINT_NOT_FOUND") return 404;
  if (code == "UNAUTHENTICATED") return 401;
  if (code == "PERMISSION_DENIED") return 403;
  if (code == "RESOURCE_EXHAUSTED" || code == "REQUEST_LIMIT_EXCEEDED") return 429;
  if (code == "TEMPORARILY_UNAVAILABLE") return 503;
  if (code == "INTERNAL_ERROR") return 500;
  if (code == "NOT_IMPLEMENTED") return 501;
  return 400;  // INVALID_PARAMETER_VALUE, RESOURCE_ALREADY_EXISTS, INVALID_STATE, BAD_REQUEST.
}

std::string_view MlflowErrorCode(Code code) {
  switch (code) {
    case Code::kInvalidArgument: return "INVALID_PARAMETER_VALUE";
    case Code::kNotFound: return "RESOURCE_DOES_NOT_EXIST";
    case Code::kAlreadyExists: return "RESOURCE_ALREADY_EXISTS";
    case Code::kFailedPrecondition:
    case Code::kConflict: return "INVALID_STATE";
    case Code::kPermissionDenied: return "PERMISSION_DENIED";
    case Code::kUnauthenticated: return "UNAUTHENTICATED";
    case Code::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case Code::kUnavailable:
    case Code::kDeadlineExceeded: return "TEMPORARILY_UNAVAILABLE";
    case Code::kUnimplemented: return "NOT_IMPLEMENTED";
    default: return "INTERNAL_ERROR";
  }
}

http::Response MlflowError(std::string_view error_code, std::string_view message) {
  const nlohmann::json body = {{"error_code", error_code}, {"message", message}};
  return http::JsonResponse(MlflowHttpStatus(error_code),
                            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

http::Response MlflowError(const Status& status) {
  return MlflowError(MlflowErrorCode(status.code()), status.message());
}

}  // namespace runledger::tracking
