#include "kube/client.h"

#include <algorithm>

#include "kube/api_error.h"
#include "kube/json_fields.h"

namespace runledger::kube {
namespace {

constexpr char kJson[] = "application/json";

std::string_view ContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge: return "application/merge-patch+json";
    case PatchType::kJson: return "application/json-patch+json";
    case PatchType::kStrategicMerge: return "application/strategic-merge-patch+json";
    case PatchType::kApply: return "application/apply-patch+yaml";
  }
  return kJson;
}

std::string_view PropagationName(Propagation p) {
  switch (p) {
    case Propagation::kBackground: return "Background";
    case Propagation::kForeground: return "Foreground";
    case Propagation::kOrphan: return "Orphan";
  }
  return "Background";
}

std::string ObjectName(const json& object) {
  return StringField(ObjectField(object, "metadata"), "name");
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Create(const Config& config, const Options& options) {
  TransportOptions t;
  t.request_timeout = options.request_timeout;
  // The server ends a watch after timeoutSeconds; the inactivity timer must
  // not fire first.
  t.stream_timeout = options.max_watch + std::chrono::seconds(60);
  t.user_agent = options.user_agent;
  t.clock = options.clock;
  ASSIGN_OR_RETURN(auto transport, NewHttpTransport(config, t));
  return std::make_unique<Client>(std::move(transport), options);
}

Client::Client(std::unique_ptr<Transport> transport, const Options& options)
    : transport_(std::move(transport)),
      options_(options),
      retry_{.max_retries = std::max(0, options.max_retries),
             .max_wait = std::max(options.request_timeout, std::chrono::seconds(1))},
      limiter_(options.qps, options.burst, *options.clock),
      rng_(options.random_seed != 0 ? options.random_seed : std::random_device()()) {}

Result<HttpResponse> Client::Exchange(
    const HttpRequest& request, std::stop_token stop,
    const std::function<Result<HttpResponse>(bool* retryable)>& attempt) {
  for (int retries = 0;; ++retries) {
    // Each try takes its turn at the rate limit, as in client-go.
    RETURN_IF_ERROR(limiter_.Wait(stop));
    bool retryable = true;
    Result<HttpResponse> resp = attempt(&retryable);
    Status error;
    if (!resp.ok()) {
      error = resp.status();
      if (options_.on_response) options_.on_response(request.method, retryable ? 0 : 200);
    } else {
      if (options_.on_response) options_.on_response(request.method, resp->status);
      if (resp->status >= 200 && resp->status < 300) return resp;
      error = DecodeApiError(resp->status, resp->body, resp->retry_after,
                             request.method + " " + request.target);
    }
    const auto delay =
        retryable ? RetryDelay(retry_, request.method, retries, error) : std::nullopt;
    if (!delay) return error;
    if (!options_.clock->StoppableSleepFor(*delay, stop)) {
      return Cancelled("stopped while waiting to retry " + request.method + " " + request.target +
                       " after: " + error.ToString());
    }
  }
}

Result<json> Client::Do(const HttpRequest& request) {
  ASSIGN_OR_RETURN(HttpResponse resp,
                   Exchange(request, {}, [&](bool*) { return transport_->Send(request); }));
  json body = ParseUntrustedJson(resp.body);
  if (body.is_discarded()) {
    return Internal(request.method + " " + request.target +
                    ": answer is not JSON (or nests too deep): " + resp.body.substr(0, 200));
  }
  return body;
}

Result<json> Client::Get(const Resource& r, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  ASSIGN_OR_RETURN(std::string path, ObjectPath(r, ns, name, subresource));
  return Do({"GET", path, "", ""});
}

Result<ListPage> Client::List(const Resource& r, std::string_view ns, const ListOptions& o) {
  ASSIGN_OR_RETURN(std::string path, CollectionPath(r, ns));
  const std::string target =
      path + QueryString({{"labelSelector", o.label_selector},
                          {"fieldSelector", o.field_selector},
                          {"limit", o.limit > 0 ? std::to_string(o.limit) : ""},
                          {"continue", o.continue_token},
                          {"resourceVersion", o.resource_version},
                          {"resourceVersionMatch",
                           o.resource_version.empty() ? "" : o.resource_version_match}});
  ASSIGN_OR_RETURN(json list, Do({"GET", target, "", ""}));
  ListPage page;
  if (auto items = list.find("items"); items != list.end() && items->is_array()) {
    page.items.reserve(items->size());
    for (auto& item : *items) page.items.push_back(std::move(item));
  }
  const json& meta = ObjectField(list, "metadata");
  page.resource_version = StringField(meta, "resourceVersion");
  page.continue_token = StringField(meta, "continue");
  return page;
}

Result<ListPage> Client::ListAll(const Resource& r, std::string_view ns, ListOptions options) {
  ListPage all;
  do {
    ASSIGN_OR_RETURN(ListPage page, List(r, ns, options));
    // Every page is a snapshot at the first page's version; keep that one.
    if (all.resource_version.empty()) all.resource_version = page.resource_version;
    std::move(page.items.begin(), page.items.end(), std::back_inserter(all.items));
    options.continue_token = page.continue_token;
    // Continuing pages must not repeat the resourceVersion (the token holds it).
    options.resource_version.clear();
  } while (!options.continue_token.empty());
  return all;
}

Result<json> Client::Create(const Resource& r, std::string_view ns, const json& object) {
  if (r.namespaced && ns.empty()) {
    return InvalidArgument("create of " + r.Name() + ": namespace is empty");
  }
  ASSIGN_OR_RETURN(std::string path, CollectionPath(r, ns));
  return Do({"POST", path + QueryString({{"fieldManager", options_.field_manager}}), object.dump(),
             kJson});
}

Result<json> Client::Update(const Resource& r, std::string_view ns, const json& object,
                            std::string_view subresource) {
  ASSIGN_OR_RETURN(std::string path, ObjectPath(r, ns, ObjectName(object), subresource));
  return Do({"PUT", path + QueryString({{"fieldManager", options_.field_manager}}), object.dump(),
             kJson});
}

Result<json> Client::Patch(const Resource& r, std::string_view ns, std::string_view name,
                           PatchType type, const json& patch, const PatchOptions& o,
                           std::string_view subresource) {
  ASSIGN_OR_RETURN(std::string path, ObjectPath(r, ns, name, subresource));
  const std::string manager = o.field_manager.empty() ? options_.field_manager : o.field_manager;
  const std::string target =
      path + QueryString({{"fieldManager", manager},
                          {"force", type == PatchType::kApply && o.force ? "true" : ""}});
  // JSON is YAML, so an apply patch may be sent as JSON.
  return Do({"PATCH", target, patch.dump(), std::string(ContentType(type))});
}

Result<json> Client::Apply(const Resource& r, std::string_view ns, const json& object,
                           const PatchOptions& options, std::string_view subresource) {
  return Patch(r, ns, ObjectName(object), PatchType::kApply, object, options, subresource);
}

Status Client::Delete(const Resource& r, std::string_view ns, std::string_view name,
                      const DeleteOptions& o) {
  ASSIGN_OR_RETURN(std::string path, ObjectPath(r, ns, name));
  json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (o.precondition_uid) body["preconditions"]["uid"] = *o.precondition_uid;
  if (o.precondition_resource_version) {
    body["preconditions"]["resourceVersion"] = *o.precondition_resource_version;
  }
  if (o.propagation) body["propagationPolicy"] = PropagationName(*o.propagation);
  if (o.grace_period_seconds) body["gracePeriodSeconds"] = *o.grace_period_seconds;
  return Do({"DELETE", path, body.dump(), kJson}).status();
}

std::chrono::seconds Client::WatchTimeout(std::chrono::seconds requested) {
  const auto max_watch = std::max(options_.max_watch, std::chrono::seconds(1));
  // 0 would let the server pick 30-60 minutes, beyond the stream timeout.
  const auto t =
      requested.count() > 0 ? std::clamp(requested, std::chrono::seconds(1), max_watch) : max_watch;
  std::uniform_int_distribution<int64_t> pick(std::max<int64_t>(1, t.count() / 2), t.count());
  MutexLock lock(rng_mu_);
  return std::chrono::seconds(pick(rng_));
}

Status Client::Watch(const Resource& r, std::string_view ns, const WatchOptions& o,
                     const std::function<Status(WatchEvent)>& on_event, std::stop_token stop) {
  ASSIGN_OR_RETURN(std::string path, CollectionPath(r, ns));
  const std::string target =
      path + QueryString({{"watch", "true"},
                          {"labelSelector", o.label_selector},
                          {"fieldSelector", o.field_selector},
                          {"resourceVersion", o.resource_version},
                          {"allowWatchBookmarks", o.allow_bookmarks ? "true" : ""},
                          {"timeoutSeconds", std::to_string(WatchTimeout(o.timeout).count())}});
  auto deliver = [&](WatchEvent event) -> Status {
    if (event.type == WatchEventType::kError) return DecodeWatchError(event.object.dump());
    return on_event(std::move(event));
  };
  const HttpRequest request{"GET", target, "", ""};
  WatchDecoder decoder;
  ASSIGN_OR_RETURN(HttpResponse resp, Exchange(request, stop, [&](bool* retryable) {
                     decoder = WatchDecoder();
                     return transport_->Stream(
                         request,
                         [&](std::string_view data) {
                           // Events may reach the caller now: a retry would
                           // deliver them twice.
                           *retryable = false;
                           return decoder.Feed(data, deliver);
                         },
                         stop);
                   }));
  if (resp.status != 200) {
    return Internal("watch " + r.Name() + ": answer " + std::to_string(resp.status) +
                    " instead of 200");
  }
  if (decoder.HasPartialEvent()) {
    return Unavailable("watch " + r.Name() + ": stream ended in the middle of an event");
  }
  return Status();
}

Result<json> Client::GetJson(std::string_view path) {
  return Do({"GET", std::string(path), "", ""});
}

}  // namespace runledger::kube
