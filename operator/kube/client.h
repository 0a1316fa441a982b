// Client: the Kubernetes API for any resource, with JSON objects.
//
// Every call is rate limited (QPS and burst, as client-go), times out (no
// request hangs forever), is retried as client-go retries (kube/retry.h: a
// 429 or 503 with Retry-After after that delay; a GET whose connection
// broke; at most Options::max_retries times, waiting on Options::clock), and
// returns the API server's errors as a Status
// whose Code says what to do (see base/status.h and kube/api_error.h):
// NotFound, AlreadyExists, Conflict (stale resourceVersion: re-read and
// retry), Gone (too old a resourceVersion: relist), InvalidArgument with the
// field causes, PermissionDenied, Unauthenticated, ResourceExhausted with
// retry_after, Unavailable / DeadlineExceeded for transient trouble.
//
// Objects are nlohmann::json as the API server writes them. An empty `ns`
// addresses cluster-scoped resources, or all namespaces when listing or
// watching a namespaced one. Names, namespaces and subresources are checked
// as path segments first (kube/resource.h): a bad one is InvalidArgument
// naming it, and nothing is sent.
//
// Thread-safety: all methods may be called concurrently.
// Lifetime: does not own `options.clock`; it must outlive the client.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "kube/config.h"
#include "kube/rate_limiter.h"
#include "kube/resource.h"
#include "kube/retry.h"
#include "kube/transport.h"
#include "kube/watch_decoder.h"

namespace runledger::kube {

using nlohmann::json;

struct ListOptions {
  std::string label_selector;          // e.g. "team=recsys,!promoted"
  std::string field_selector;          // e.g. "metadata.name=x"
  int64_t limit = 0;                   // Page size; 0: the server's choice (everything).
  std::string continue_token;          // From the previous page.
  std::string resource_version;        // "" reads the latest (a quorum read).
  std::string resource_version_match;  // "NotOlderThan" or "Exact", with resource_version.
};

struct ListPage {
  std::vector<json> items;
  std::string resource_version;  // Of the list: where a watch should start.
  std::string continue_token;    // Empty on the last page.
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // Start after this version; "" starts at "now".
  bool allow_bookmarks = true;
  // The longest the server may keep the watch open; the caller then resumes
  // from the last resourceVersion it saw. The client sends a timeoutSeconds
  // drawn at random from [t/2, t], where t is this clamped to
  // [1 s, Options::max_watch] (0: max_watch), so that watchers started
  // together do not all reconnect together (client-go: 5 to 10 minutes).
  std::chrono::seconds timeout{0};
};

enum class Propagation { kBackground, kForeground, kOrphan };

struct DeleteOptions {
  std::optional<std::string> precondition_uid;               // Delete only this incarnation.
  std::optional<std::string> precondition_resource_version;  // Delete only this version.
  std::optional<Propagation> propagation;
  std::optional<int64_t> grace_period_seconds;
};

enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386)
  kJson,            // application/json-patch+json (RFC 6902, including "test")
  kStrategicMerge,  // application/strategic-merge-patch+json (built-in types only)
  kApply,           // server-side apply: application/apply-patch+yaml
};

struct PatchOptions {
  std::string field_manager;  // Empty: Client::Options::field_manager.
  bool force = false;         // Server-side apply: take over conflicting fields.
};

class Client {
 public:
  struct Options {
    double qps = 20;  // Sustained requests per second; <= 0: unlimited.
    int burst = 30;   // Requests allowed at once above the sustained rate.
    std::chrono::seconds request_timeout{30};
    std::chrono::seconds max_watch{600};  // Longest watch timeoutSeconds sent.
    std::string user_agent = "runledger";
    std::string field_manager = "runledger";
    // Rate-limit and retry waits happen on this clock. Not owned.
    const Clock* clock = &Clock::Real();
    // Retries per call, as client-go's default; 0 turns retries off. A
    // server's Retry-After is honoured up to request_timeout.
    int max_retries = 10;
    // Seeds the randomness of watch timeouts; 0: a seed from the system's
    // entropy, taken once when the client is made.
    uint64_t random_seed = 0;
    // Called once per HTTP attempt (so a retried call is seen once per try)
    // with the method and the answer's status, or 0 when no answer came (a
    // transport error, or a stop before the answer): what
    // rest_client_requests_total{code,method} counts (the host label is the
    // Config's server, known to whoever sets this). Called on the thread
    // that made the call, without locks held; it must be cheap and
    // thread-safe, and must not call the client.
    std::function<void(std::string_view method, int http_status)> on_response;
  };

  // Connects to the server in `config` (no request is made yet).
  static Result<std::unique_ptr<Client>> Create(const Config& config, const Options& options);
  static Result<std::unique_ptr<Client>> Create(const Config& config) {
    return Create(config, Options());
  }
  // For tests: a client over any transport.
  Client(std::unique_ptr<Transport> transport, const Options& options);

  // `name` is required (an empty one is InvalidArgument: use List).
  Result<json> Get(const Resource& r, std::string_view ns, std::string_view name,
                   std::string_view subresource = "");

  // One page.
  Result<ListPage> List(const Resource& r, std::string_view ns, const ListOptions& options = {});
  // Every page, following continue tokens. If a token expires mid-way
  // (Gone), the caller should list again from the start.
  Result<ListPage> ListAll(const Resource& r, std::string_view ns, ListOptions options = {});

  // Creates `object` (its metadata.namespace may be omitted; `ns` is
  // required for a namespaced resource).
  Result<json> Create(const Resource& r, std::string_view ns, const json& object);

  // Replaces the object named in `object.metadata.name`. With a
  // metadata.resourceVersion it is an optimistic update: Conflict if the
  // object changed since. `subresource` "status" updates only the status.
  Result<json> Update(const Resource& r, std::string_view ns, const json& object,
                      std::string_view subresource = "");

  Result<json> Patch(const Resource& r, std::string_view ns, std::string_view name, PatchType type,
                     const json& patch, const PatchOptions& options = {},
                     std::string_view subresource = "");

  // Server-side apply of `object` (which names itself); a shorthand for Patch
  // with kApply.
  Result<json> Apply(const Resource& r, std::string_view ns, const json& object,
                     const PatchOptions& options = {}, std::string_view subresource = "");

  // Deleting an object that does not exist returns NotFound; callers that
  // only want it gone treat that as success (see IgnoreNotFound). An empty
  // `name` is InvalidArgument (it would delete the whole collection).
  Status Delete(const Resource& r, std::string_view ns, std::string_view name,
                const DeleteOptions& options = {});

  // Watches until the server ends the stream (OK: resume from the last
  // resourceVersion seen), `stop` is requested (Cancelled, promptly), the
  // resourceVersion is too old (Gone: relist), `on_event` fails (its error),
  // or another error. ERROR events end the watch with their decoded Status;
  // `on_event` sees ADDED, MODIFIED, DELETED and BOOKMARK. `stop` also ends
  // a wait for the rate limiter or for a retry. A watch is retried (as any
  // GET) only before its first byte arrived.
  Status Watch(const Resource& r, std::string_view ns, const WatchOptions& options,
               const std::function<Status(WatchEvent)>& on_event, std::stop_token stop = {});

  // GET of any path that answers JSON, e.g. "/version" or "/apis".
  Result<json> GetJson(std::string_view path);

 private:
  // One call: rate limit, send, report, retry as the policy says. `attempt`
  // makes one exchange and sets `*retryable` to false once it is too late to
  // retry (a watch whose events were delivered). Returns the answer if its
  // status is 2xx, otherwise its decoded error or the transport's.
  Result<HttpResponse> Exchange(
      const HttpRequest& request, std::stop_token stop,
      const std::function<Result<HttpResponse>(bool* retryable)>& attempt);
  // Exchange of `request` with Send, and its body parsed as JSON.
  Result<json> Do(const HttpRequest& request);
  // The timeoutSeconds to send for a watch that asked for `requested`.
  std::chrono::seconds WatchTimeout(std::chrono::seconds requested) EXCLUDES(rng_mu_);

  std::unique_ptr<Transport> transport_;
  const Options options_;
  const RetryPolicy retry_;
  RateLimiter limiter_;
  Mutex rng_mu_;
  std::mt19937_64 rng_ GUARDED_BY(rng_mu_);
};

// OK for NotFound, otherwise `s`: for deletes and cleanups.
inline Status IgnoreNotFound(Status s) { return s.code() == Code::kNotFound ? Status() : s; }

}  // namespace runledger::kube
