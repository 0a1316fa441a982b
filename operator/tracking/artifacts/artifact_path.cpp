// Artifact path checks (MLflow's validate_path_is_safe, and the store's
// key rules).
#include "tracking/artifacts/artifact_path.h"

#include <cctype>

#include "http/url.h"

namespace runledger::tracking::artifacts {
namespace {

Status Invalid(std::string_view path, std::string_view rule) {
  return InvalidArgument("Invalid path '" + std::string(path) + "': " + std::string(rule));
}

// The rules on one spelling of the path.
Status CheckSpelling(std::string_view original, std::string_view p, bool dir) {
  if (p.empty()) return dir ? Status::Ok() : Invalid(original, "the path is empty");
  if (p.front() == '/') return Invalid(original, "the path must be relative");
  if (p.size() >= 2 && p[1] == ':' && std::isalpha(static_cast<unsigned char>(p[0]))) {
    return Invalid(original, "the path must be relative (drive letter)");
  }
  for (char c : p) {
    if (c == '\\') return Invalid(original, "backslashes are not allowed");
    if (c == '#') return Invalid(original, "'#' is not allowed");
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Invalid(original, "control characters are not allowed");
    }
  }
  if (dir && p.back() == '/') p.remove_suffix(1);
  while (true) {
    size_t slash = p.find('/');
    std::string_view seg = p.substr(0, slash);
    if (seg.empty()) return Invalid(original, "empty path segment");
    if (seg == "..") return Invalid(original, "'..' is not allowed");
    if (seg == ".") return Invalid(original, "'.' segments are not allowed");
    if (slash == std::string_view::npos) return Status::Ok();
    p.remove_prefix(slash + 1);
  }
}

}  // namespace

Status ValidateArtifactPath(std::string_view path, bool dir) {
  // MLflow decodes up to ten times until the path stops changing, so a
  // "..%2f" smuggled through double encoding is refused too.
  std::string spelling(path);
  for (int round = 0; round < 10; ++round) {
    RETURN_IF_ERROR(CheckSpelling(path, spelling, dir));
    std::string next = http::PercentDecode(spelling, false);
    if (next == spelling) return Status::Ok();
    spelling = std::move(next);
  }
  return Invalid(path, "too many levels of percent-encoding");
}

Result<std::string> ArtifactPathFromUrl(std::string_view encoded, bool dir) {
  std::string path = http::PercentDecode(encoded, false);
  RETURN_IF_ERROR(ValidateArtifactPath(path, dir));
  if (dir && !path.empty() && path.back() == '/') path.pop_back();
  return path;
}

std::string JoinArtifactPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  return std::string(a) + "/" + std::string(b);
}

}  // namespace runledger::tracking::artifacts
