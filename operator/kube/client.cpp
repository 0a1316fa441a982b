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
  ASSIGN_OR_RETURN(auto transport, NewHttpTransport(config, t));
  return std::make_unique<Client>(std::move(transport), options);
}

Client::Client(std::unique_ptr<Transport> transport, const Options& options)
    : transport_(std::move(transport)),
      options_(options),
      limiter_(options.qps, options.burst, *options.clock) {}

Result<json> Client::Do(HttpRequest request) {
  limiter_.Wait();
  ASSIGN_OR_RETURN(HttpResponse resp, transport_->Send(request));
  const std::string what = request.method + " " + request.target;
  if (resp.status < 200 || resp.status >= 300) {
    return DecodeApiError(resp.status, resp.body, resp.retry_after, what);
  }
  json body = json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return Internal(what + ": answer is not JSON: " + resp.body.substr(0, 200));
  }
  return body;
}

Result<json> Client::Get(const Resource& r, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  return Do({"GET", ResourcePath(r, ns, name, subresource), "", ""});
}

Result<ListPage> Client::List(const Resource& r, std::string_view ns, const ListOptions& o) {
  const std::string target =
      ResourcePath(r, ns) +
      QueryString(
          {{"labelSelector", o.label_selector},
           {"fieldSelector", o.field_selector},
           {"limit", o.limit > 0 ? std::to_string(o.limit) : ""},
           {"continue", o.continue_token},
           {"resourceVersion", o.resource_version},
           {"resourceVersionMatch", o.resource_version.empty() ? "" : o.resource_version_match}});
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
  const std::string target =
      ResourcePath(r, ns) + QueryString({{"fieldManager", options_.field_manager}});
  return Do({"POST", target, object.dump(), kJson});
}

Result<json> Client::Update(const Resource& r, std::string_view ns, const json& object,
                            std::string_view subresource) {
  const std::string name = ObjectName(object);
  if (name.empty()) return InvalidArgument("update of " + r.Name() + ": metadata.name is empty");
  const std::string target = ResourcePath(r, ns, name, subresource) +
                             QueryString({{"fieldManager", options_.field_manager}});
  return Do({"PUT", target, object.dump(), kJson});
}

Result<json> Client::Patch(const Resource& r, std::string_view ns, std::string_view name,
                           PatchType type, const json& patch, const PatchOptions& o,
                           std::string_view subresource) {
  if (name.empty()) return InvalidArgument("patch of " + r.Name() + ": name is empty");
  const std::string manager = o.field_manager.empty() ? options_.field_manager : o.field_manager;
  const std::string target =
      ResourcePath(r, ns, name, subresource) +
      QueryString({{"fieldManager", manager},
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
  json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (o.precondition_uid) body["preconditions"]["uid"] = *o.precondition_uid;
  if (o.precondition_resource_version) {
    body["preconditions"]["resourceVersion"] = *o.precondition_resource_version;
  }
  if (o.propagation) body["propagationPolicy"] = PropagationName(*o.propagation);
  if (o.grace_period_seconds) body["gracePeriodSeconds"] = *o.grace_period_seconds;
  return Do({"DELETE", ResourcePath(r, ns, name), body.dump(), kJson}).status();
}

Status Client::Watch(const Resource& r, std::string_view ns, const WatchOptions& o,
                     const std::function<Status(WatchEvent)>& on_event, std::stop_token stop) {
  // 0 would let the server pick 30-60 minutes, beyond the stream timeout.
  const auto timeout = std::clamp(o.timeout, std::chrono::seconds(1), options_.max_watch);
  const std::string target =
      ResourcePath(r, ns) + QueryString({{"watch", "true"},
                                         {"labelSelector", o.label_selector},
                                         {"fieldSelector", o.field_selector},
                                         {"resourceVersion", o.resource_version},
                                         {"allowWatchBookmarks", o.allow_bookmarks ? "true" : ""},
                                         {"timeoutSeconds", std::to_string(timeout.count())}});
  WatchDecoder decoder;
  auto deliver = [&](WatchEvent event) -> Status {
    if (event.type == WatchEventType::kError) return DecodeWatchError(event.object.dump());
    return on_event(std::move(event));
  };
  limiter_.Wait();
  ASSIGN_OR_RETURN(HttpResponse resp,
                   transport_->Stream(
                       {"GET", target, "", ""},
                       [&](std::string_view data) { return decoder.Feed(data, deliver); }, stop));
  if (resp.status != 200) return DecodeApiError(resp.status, resp.body, resp.retry_after, target);
  if (decoder.HasPartialEvent()) {
    return Unavailable("watch " + r.Name() + ": stream ended in the middle of an event");
  }
  return Status();
}

Result<json> Client::GetJson(std::string_view path) {
  return Do({"GET", std::string(path), "", ""});
}

}  // namespace runledger::kube
