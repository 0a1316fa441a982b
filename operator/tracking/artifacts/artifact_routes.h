// MLflow's proxied-artifact endpoints on an http::Server, streamed to and
// from an ObjectStore (docs/artifacts.md has the whole picture):
//
//   PUT    /api/2.0/mlflow-artifacts/artifacts/<path>   upload → {}
//   GET    /api/2.0/mlflow-artifacts/artifacts/<path>   download (Range)
//   DELETE /api/2.0/mlflow-artifacts/artifacts/<path>   the object and all under <path>/ → {}
//   GET    /api/2.0/mlflow-artifacts/artifacts?path=<dir>  one level: {"files": [...]}
//   POST   /api/2.0/mlflow-artifacts/mpu/{create,complete,abort}/<path>  501 NOT_IMPLEMENTED
//   GET    /api/2.0/mlflow/artifacts/list?run_id|run_uuid=&path=  {"root_uri", "files"}
// and the same under /ajax-api/2.0/ (the web UI's prefix).
//
// Guarantees: uploads and downloads are streamed (a transfer holds about
// 64 KiB whatever its size; an upload is atomic in the store: a failed or
// cut upload leaves the old object or none). Paths are checked
// (artifact_path.h) and `authorize` runs on the headers, so a refused or
// malformed upload is answered before any body byte is read. Errors are
// MLflow's JSON (tracking/error_json.h): a bad path 400
// INVALID_PARAMETER_VALUE, a missing object 404 RESOURCE_DOES_NOT_EXIST.
//
// Thread-safety: handlers run on the server's threads, several at once;
// the callbacks in ArtifactDeps must be safe to call concurrently.
// Lifetime: the stores that `resolve` returns must outlive the server.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/server.h"
#include "store/object_store.h"

namespace runledger::tracking::artifacts {

enum class Access { kRead, kWrite };

// Where an artifact path lives: `key` names the object (or, for a
// directory, the key prefix without its trailing '/'; "" for the root).
struct Target {
  store::ObjectStore* store = nullptr;  // Not owned.
  std::string key;
};

// A run's artifact root: root_uri as MLflow reports it
// ("mlflow-artifacts:/0/<run_id>/artifacts") and the proxied path its
// artifacts live under ("0/<run_id>/artifacts").
struct RunRoot {
  std::string root_uri;
  std::string proxied_path;
};

struct ArtifactDeps {
  // Called with the headers and the checked artifact path (for
  // artifacts/list: the run's proxied path joined with `path`). A Response
  // answers at once (e.g. MlflowError 401/403); nullopt lets it through.
  // Null: everything is allowed.
  std::function<std::optional<http::Response>(const http::Request&, std::string_view path,
                                              Access access)>
      authorize;
  // Maps a checked artifact path to its store and key. Required. NotFound
  // is answered 404, InvalidArgument 400.
  std::function<Result<Target>(std::string_view path)> resolve;
  // For artifacts/list: the run's root. NotFound → 404. Null: that route
  // answers 404 RESOURCE_DOES_NOT_EXIST for every run.
  std::function<Result<RunRoot>(std::string_view run_id)> run_root;
  // Largest upload accepted (413 above it, decided from Content-Length
  // before reading when the client sends one).
  uint64_t max_upload_bytes = uint64_t{64} << 30;
};

// A resolver for one store holding every artifact: key = path.
std::function<Result<Target>(std::string_view path)> SingleStoreResolver(store::ObjectStore& store);

// Adds the routes above to `server` (before Start).
void RegisterArtifactRoutes(http::Server& server, ArtifactDeps deps);

}  // namespace runledger::tracking::artifacts
