// The proxied-artifact handlers: paths in, store calls, MLflow's JSON out.
#include "tracking/artifacts/artifact_routes.h"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "http/url.h"
#include "tracking/artifacts/artifact_path.h"
#include "tracking/artifacts/byte_range.h"
#include "tracking/artifacts/content_type.h"
#include "tracking/error_json.h"

namespace runledger::tracking::artifacts {
namespace {

using Json = nlohmann::ordered_json;  // MLflow's field order.

constexpr std::string_view kApiPrefixes[] = {"/api/2.0", "/ajax-api/2.0"};
constexpr std::string_view kArtifacts = "/mlflow-artifacts/artifacts";
constexpr size_t kListPage = 1000;

// The upload's body as the store reads it.
class BodyAsStoreReader final : public store::Reader {
 public:
  explicit BodyAsStoreReader(http::BodyReader& body) : body_(body) {}
  Result<size_t> Read(char* buf, size_t n) override { return body_.Read(buf, n); }

 private:
  http::BodyReader& body_;
};

// An object's bytes as the server pulls them for the answer.
class StoreReaderSource final : public http::BodySource {
 public:
  explicit StoreReaderSource(std::unique_ptr<store::Reader> r) : r_(std::move(r)) {}
  Result<size_t> Read(char* buf, size_t n) override { return r_->Read(buf, n); }

 private:
  std::unique_ptr<store::Reader> r_;
};

struct Entry {
  std::string name;
  bool is_dir = false;
  uint64_t size = 0;
};

// The objects and directories directly under `key` ("" for the root), by
// name. A key naming an object lists nothing, as MLflow's stores do.
Result<std::vector<Entry>> ListLevel(store::ObjectStore& store, const std::string& key) {
  store::ListRequest req;
  req.prefix = key.empty() ? "" : key + "/";
  req.delimiter = "/";
  req.max_keys = kListPage;
  std::vector<Entry> out;
  do {
    ASSIGN_OR_RETURN(store::ListPage page, store.List(req));
    for (const store::ObjectInfo& o : page.objects) {
      out.push_back({o.key.substr(req.prefix.size()), false, o.size});
    }
    for (const std::string& p : page.common_prefixes) {
      std::string name = p.substr(req.prefix.size());
      if (!name.empty() && name.back() == '/') name.pop_back();
      out.push_back({std::move(name), true, 0});
    }
    req.continuation_token = std::move(page.next_continuation_token);
  } while (!req.continuation_token.empty());
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

// MLflow's FileInfo list; `dir` prefixes each name (artifacts/list gives
// paths relative to the run's root, the proxied listing bare names).
Json FilesJson(const std::vector<Entry>& entries, std::string_view dir) {
  Json files = Json::array();
  for (const Entry& e : entries) {
    Json f = {{"path", JoinArtifactPath(dir, e.name)}, {"is_dir", e.is_dir}};
    if (!e.is_dir) f["file_size"] = e.size;
    files.push_back(std::move(f));
  }
  return files;
}

// A handler's answer: its Response, or its error as MLflow's error JSON.
http::Response Answer(Result<http::Response> r) {
  return r.ok() ? std::move(r).value() : MlflowError(r.status());
}

http::Response JsonAnswer(const Json& j) {
  return http::JsonResponse(200, j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

class Service {
 public:
  explicit Service(ArtifactDeps deps) : deps_(std::move(deps)) {}

  // Path check and authorisation on the headers (before an upload's body).
  std::optional<http::Response> Admit(const http::Request& r, size_t prefix, bool dir,
                                      Access access) const {
    Result<std::string> path = ArtifactPathFromUrl(std::string_view(r.path).substr(prefix), dir);
    if (!path.ok()) return MlflowError(path.status());
    return Authorize(r, *path, access);
  }

  Result<http::Response> Upload(const http::Request& r, size_t prefix,
                                http::BodyReader& body) const {
    ASSIGN_OR_RETURN(std::string path, ArtifactPathFromUrl(Tail(r, prefix), false));
    ASSIGN_OR_RETURN(Target t, deps_.resolve(path));
    BodyAsStoreReader reader(body);
    RETURN_IF_ERROR(t.store->Put(t.key, reader));
    return JsonAnswer(Json::object());
  }

  Result<http::Response> Download(const http::Request& r, size_t prefix) const {
    ASSIGN_OR_RETURN(std::string path, ArtifactPathFromUrl(Tail(r, prefix), false));
    if (auto refused = Authorize(r, path, Access::kRead)) return *refused;
    ASSIGN_OR_RETURN(Target t, deps_.resolve(path));
    Result<store::ObjectInfo> info = t.store->Head(t.key);
    if (!info.ok() && info.status().code() == Code::kNotFound) {
      ASSIGN_OR_RETURN(std::vector<Entry> under, ListLevel(*t.store, t.key));
      if (!under.empty()) {
        return MlflowError("INVALID_PARAMETER_VALUE",
                           "Artifact path refers to a directory, not a file: '" + path + "'");
      }
      return MlflowError("RESOURCE_DOES_NOT_EXIST", "No such artifact: '" + path + "'");
    }
    if (!info.ok()) return info.status();
    const uint64_t size = info->size;
    RangeChoice range = ChooseRange(r.Header("Range"), size);
    if (range.kind == RangeChoice::kUnsatisfiable) {
      http::Response res =
          MlflowError("INVALID_PARAMETER_VALUE", "Range " + std::string(r.Header("Range")) +
                                                     " is not satisfiable for " +
                                                     std::to_string(size) + " bytes");
      res.status = 416;
      res.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
      return res;
    }
    std::optional<store::ByteRange> br;
    if (range.kind == RangeChoice::kPartial) br = store::ByteRange{range.offset, range.length};
    ASSIGN_OR_RETURN(std::unique_ptr<store::Reader> reader, t.store->Get(t.key, br));
    http::Response res;
    res.status = range.kind == RangeChoice::kPartial ? 206 : 200;
    res.content_type = GuessContentType(path);
    res.headers.emplace_back("Accept-Ranges", "bytes");
    res.headers.emplace_back("Content-Disposition",
                             ContentDisposition(path.substr(path.rfind('/') + 1)));
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (range.kind == RangeChoice::kPartial) {
      res.headers.emplace_back("Content-Range",
                               "bytes " + std::to_string(range.offset) + "-" +
                                   std::to_string(range.offset + range.length - 1) + "/" +
                                   std::to_string(size));
    }
    res.body_source = std::make_shared<StoreReaderSource>(std::move(reader));
    res.body_length = range.kind == RangeChoice::kPartial ? range.length : size;
    return res;
  }

  Result<http::Response> Delete(const http::Request& r, size_t prefix) const {
    ASSIGN_OR_RETURN(std::string path, ArtifactPathFromUrl(Tail(r, prefix), true));
    if (path.empty()) {
      return MlflowError("INVALID_PARAMETER_VALUE", "Invalid path '': the path is empty");
    }
    if (auto refused = Authorize(r, path, Access::kWrite)) return *refused;
    ASSIGN_OR_RETURN(Target t, deps_.resolve(path));
    RETURN_IF_ERROR(t.store->Delete(t.key));
    // Everything under "<key>/" (never "<key>bar"): list from the start
    // each round, since the keys just deleted are gone.
    store::ListRequest req;
    req.prefix = t.key + "/";
    req.max_keys = kListPage;
    for (;;) {
      ASSIGN_OR_RETURN(store::ListPage page, t.store->List(req));
      if (page.objects.empty()) break;
      std::vector<std::string> keys;
      for (store::ObjectInfo& o : page.objects) keys.push_back(std::move(o.key));
      RETURN_IF_ERROR(t.store->DeleteMany(keys));
    }
    return JsonAnswer(Json::object());
  }

  Result<http::Response> ListProxied(const http::Request& r) const {
    ASSIGN_OR_RETURN(std::string path,
                     ArtifactPathFromUrl(http::QueryParam(r.query, "path").value_or(""), true));
    if (auto refused = Authorize(r, path, Access::kRead)) return *refused;
    ASSIGN_OR_RETURN(Target t, deps_.resolve(path));
    ASSIGN_OR_RETURN(std::vector<Entry> entries, ListLevel(*t.store, t.key));
    Json out = Json::object();  // MLflow leaves an empty list out: {}.
    if (!entries.empty()) out["files"] = FilesJson(entries, "");
    return JsonAnswer(out);
  }

  Result<http::Response> ListRun(const http::Request& r) const {
    std::string run_id = http::QueryParam(r.query, "run_id").value_or("");
    if (run_id.empty()) run_id = http::QueryParam(r.query, "run_uuid").value_or("");
    if (run_id.empty()) {
      return MlflowError("INVALID_PARAMETER_VALUE",
                         "Missing value for required parameter 'run_id'.");
    }
    ASSIGN_OR_RETURN(std::string path,
                     ArtifactPathFromUrl(http::QueryParam(r.query, "path").value_or(""), true));
    if (!deps_.run_root) {
      return MlflowError("RESOURCE_DOES_NOT_EXIST", "Run '" + run_id + "' not found");
    }
    ASSIGN_OR_RETURN(RunRoot root, deps_.run_root(run_id));
    const std::string where = JoinArtifactPath(root.proxied_path, path);
    if (auto refused = Authorize(r, where, Access::kRead)) return *refused;
    ASSIGN_OR_RETURN(Target t, deps_.resolve(where));
    ASSIGN_OR_RETURN(std::vector<Entry> entries, ListLevel(*t.store, t.key));
    Json out = {{"root_uri", root.root_uri}};
    if (!entries.empty()) out["files"] = FilesJson(entries, path);
    return JsonAnswer(out);
  }

  uint64_t max_upload_bytes() const { return deps_.max_upload_bytes; }

 private:
  static std::string_view Tail(const http::Request& r, size_t prefix) {
    return std::string_view(r.path).substr(prefix);
  }

  std::optional<http::Response> Authorize(const http::Request& r, std::string_view path,
                                          Access access) const {
    if (!deps_.authorize) return std::nullopt;
    return deps_.authorize(r, path, access);
  }

  ArtifactDeps deps_;
};

}  // namespace

std::function<Result<Target>(std::string_view path)> SingleStoreResolver(
    store::ObjectStore& store) {
  return [&store](std::string_view path) -> Result<Target> {
    return Target{&store, std::string(path)};
  };
}

void RegisterArtifactRoutes(http::Server& server, ArtifactDeps deps) {
  auto svc = std::make_shared<const Service>(std::move(deps));
  for (std::string_view api : kApiPrefixes) {
    const std::string base = std::string(api) + std::string(kArtifacts);
    const std::string files = base + "/";
    const size_t n = files.size();

    http::RouteOptions upload;
    upload.max_body_bytes = static_cast<size_t>(svc->max_upload_bytes());
    upload.on_headers = [svc, n](const http::Request& r) {
      return svc->Admit(r, n, false, Access::kWrite);
    };
    server.HandleStreamPrefix(
        "PUT", files,
        [svc, n](const http::Request& r, http::BodyReader& body) {
          return Answer(svc->Upload(r, n, body));
        },
        upload);
    server.HandlePrefix("GET", files,
                        [svc, n](const http::Request& r) { return Answer(svc->Download(r, n)); });
    server.HandlePrefix("DELETE", files,
                        [svc, n](const http::Request& r) { return Answer(svc->Delete(r, n)); });
    server.Handle("GET", base,
                  [svc](const http::Request& r) { return Answer(svc->ListProxied(r)); });
    server.Handle("GET", std::string(api) + "/mlflow/artifacts/list",
                  [svc](const http::Request& r) { return Answer(svc->ListRun(r)); });

    // Multipart uploads and presigned downloads are opt-in on the client
    // (MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD / _DOWNLOAD, off by default);
    // MLflow's own answer when the store cannot do them makes the client
    // fall back to a plain PUT or GET.
    server.HandlePrefix(
        "POST", std::string(api) + "/mlflow-artifacts/mpu/", [](const http::Request&) {
          return MlflowError("NOT_IMPLEMENTED",
                             "Multipart upload is not supported for the current artifact "
                             "repository");
        });
    server.HandlePrefix(
        "GET", std::string(api) + "/mlflow-artifacts/presigned/", [](const http::Request&) {
          return MlflowError("NOT_IMPLEMENTED",
                             "Multipart download is not supported for the current artifact "
                             "repository");
        });
  }
}

}  // namespace runledger::tracking::artifacts
