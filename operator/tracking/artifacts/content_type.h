// Content-Type and Content-Disposition of a downloaded artifact, as MLflow's
// server sets them (mlflow.utils.mime_type_utils._guess_mime_type and
// handlers._content_disposition_attachment).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace runledger::tracking::artifacts {

// "text/plain" for MLflow's text extensions (txt, log, json, yaml, py, csv,
// md, ... and the names MLmodel / MLproject), the type Python's mimetypes
// gives for common binary ones (png, jpeg, html, pdf, zip, ...), else
// "application/octet-stream". `name` is the artifact's file name or path.
std::string GuessContentType(std::string_view name);

// `attachment; filename=<name>` (quoted when it is not a token); a name with
// non-ASCII bytes also gets RFC 5987's filename*=UTF-8''<percent-encoded>,
// with the ASCII bytes (or "download") as the plain filename.
std::string ContentDisposition(std::string_view file_name);

}  // namespace runledger::tracking::artifacts
