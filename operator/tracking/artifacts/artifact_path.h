// Artifact paths as MLflow's proxied-artifact endpoints take them: relative
// '/'-separated paths, checked as mlflow.utils.uri.validate_path_is_safe
// checks them, plus what the object store cannot hold.
//
// Errors: InvalidArgument "Invalid path '<path>': <rule>" (the handlers
// answer it as MLflow's 400 INVALID_PARAMETER_VALUE).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger::tracking::artifacts {

// Checks a decoded path. Rejected: an absolute path ("/x", "C:\x", "C:/x"),
// a backslash, NUL or another control byte, '#', a ".." or "." segment, an
// empty segment ("a//b"), and any of these hidden under further rounds of
// percent-encoding ("%252e%252e": MLflow decodes until nothing changes). A
// trailing '/' is allowed when `dir` (it names a directory). "" is allowed
// only when `dir` (the root).
Status ValidateArtifactPath(std::string_view path, bool dir);

// The path of a URL path tail (percent-decoded once, as the client
// encoded it), validated; a directory's trailing '/' is dropped.
Result<std::string> ArtifactPathFromUrl(std::string_view encoded, bool dir);

// "a" + "b" → "a/b"; an empty side is left out.
std::string JoinArtifactPath(std::string_view a, std::string_view b);

}  // namespace runledger::tracking::artifacts
