// Status and Result<T>: errors as values across module boundaries.
//
// A Status is either OK or a code plus a message. The code says what the
// caller should do (see Code below); the message says what went wrong in
// words a user can act on. An OK Status holds a null pointer and never
// allocates.
//
// Result<T> holds either a T or a non-OK Status. Use RETURN_IF_ERROR and
// ASSIGN_OR_RETURN to propagate errors without nesting.
//
// Thread-safety: immutable after construction; copies share the error state.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace runledger {

// What the caller should do with an error.
enum class Code {
  kOk = 0,
  kInvalidArgument,     // The request is wrong; terminal, surface it.
  kNotFound,            // No such object; on delete this is success.
  kAlreadyExists,       // Create of an existing object.
  kConflict,            // Stale version (HTTP 409 Conflict): re-read and retry.
  kGone,                // Resource version too old (HTTP 410): relist.
  kPermissionDenied,    // Authenticated but not allowed (HTTP 403).
  kUnauthenticated,     // Credentials missing or rejected (HTTP 401).
  kResourceExhausted,   // Throttled (HTTP 429) or out of space: back off.
  kFailedPrecondition,  // The system is not in a state to do this; terminal.
  kUnavailable,         // Transient (connection refused, 5xx): retry with backoff.
  kDeadlineExceeded,    // Timed out; the operation may or may not have happened.
  kCancelled,           // Stopped by the caller.
  kCorruption,          // Stored data fails its checksum or format.
  kIoError,             // The local file system failed.
  kUnimplemented,       // Not supported.
  kInternal,            // A bug or an unexpected answer.
};

// The name of a code, e.g. "NotFound".
std::string_view CodeName(Code code);

// One field-level reason, as the Kubernetes API server reports for Invalid.
struct FieldCause {
  std::string field;    // e.g. "spec.tiers[0].keep"
  std::string reason;   // e.g. "FieldValueInvalid"
  std::string message;  // e.g. "Invalid value: \"3x\": must match ..."
};

// Details an error may carry beyond its code and message.
struct ErrorDetails {
  int http_status = 0;  // HTTP status of the answer, 0 if none.
  std::string reason;   // Machine-readable reason, e.g. "AlreadyExists".
  std::vector<FieldCause> causes;
  std::optional<std::chrono::seconds> retry_after;  // Server-advised delay.
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK.
  Status(Code code, std::string message, ErrorDetails details = {});

  static Status Ok() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  // Empty when OK.
  const std::string& message() const;
  // Empty details when OK or when none were given.
  const ErrorDetails& details() const;

  // "NotFound: trainingruns.runledger.dev \"x\" not found", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(std::string_view context) const;

  // Marks a Status as deliberately ignored.
  void IgnoreError() const {}

 private:
  struct State {
    Code code;
    std::string message;
    ErrorDetails details;
  };
  std::shared_ptr<const State> state_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {Code::kFailedPrecondition, std::move(m)};
}
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
inline Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
inline Status Cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }
inline Status DeadlineExceeded(std::string m) { return {Code::kDeadlineExceeded, std::move(m)}; }

namespace internal {
// Prints "Result::value() on an error: <status>" to stderr and aborts.
// value() on an error is a bug in the caller; the message names the error
// so the bug is found from the log alone.
[[noreturn]] void DieOfValueOnError(const Status& status);
}  // namespace internal

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design.
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design.
    // A Result built from a Status must carry an error: an OK status has no value.
    if (std::get<Status>(v_).ok()) v_ = Internal("Result constructed from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // Precondition: ok(). On an error, prints the Status and aborts (see
  // internal::DieOfValueOnError).
  T& value() & {
    CheckOk();
    return *std::get_if<T>(&v_);
  }
  const T& value() const& {
    CheckOk();
    return *std::get_if<T>(&v_);
  }
  T&& value() && {
    CheckOk();
    return std::move(*std::get_if<T>(&v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void CheckOk() const {
    if (const Status* error = std::get_if<Status>(&v_)) internal::DieOfValueOnError(*error);
  }

  std::variant<T, Status> v_;
};

}  // namespace runledger

#define RUNLEDGER_CONCAT_INNER(a, b) a##b
#define RUNLEDGER_CONCAT(a, b) RUNLEDGER_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the current function if it is not OK.
#define RETURN_IF_ERROR(expr)                              \
  do {                                                     \
    ::runledger::Status runledger_status_ = (expr);        \
    if (!runledger_status_.ok()) return runledger_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F());` declares x from F()'s value, or returns
// F()'s Status from the current function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  RUNLEDGER_ASSIGN_OR_RETURN_IMPL(RUNLEDGER_CONCAT(runledger_result_, __LINE__), lhs, expr)
#define RUNLEDGER_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()
