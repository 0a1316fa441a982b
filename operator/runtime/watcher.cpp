#include "runtime/watcher.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "kube/json_fields.h"

namespace runledger::runtime {
namespace {

class ClientSource final : public ListWatchSource {
 public:
  ClientSource(kube::Client& client, kube::Resource resource, std::string ns,
               std::string label_selector)
      : client_(client),
        resource_(std::move(resource)),
        ns_(std::move(ns)),
        label_selector_(std::move(label_selector)) {}

  Result<kube::ListPage> List(const kube::ListOptions& options) override {
    kube::ListOptions o = options;
    o.label_selector = label_selector_;
    return client_.List(resource_, ns_, o);
  }

  Status Watch(const kube::WatchOptions& options,
               const std::function<Status(kube::WatchEvent)>& on_event,
               std::stop_token stop) override {
    kube::WatchOptions o = options;
    o.label_selector = label_selector_;
    return client_.Watch(resource_, ns_, o, on_event, std::move(stop));
  }

 private:
  kube::Client& client_;
  const kube::Resource resource_;
  const std::string ns_;
  const std::string label_selector_;
};

std::string ResourceVersionOf(const nlohmann::json& object) {
  return kube::StringField(kube::ObjectField(object, "metadata"), "resourceVersion");
}

}  // namespace

std::unique_ptr<ListWatchSource> NewClientSource(kube::Client& client, kube::Resource resource,
                                                 std::string ns, std::string label_selector) {
  return std::make_unique<ClientSource>(client, std::move(resource), std::move(ns),
                                        std::move(label_selector));
}

Watcher::Watcher(ListWatchSource& source, const Clock& clock, Rng& rng, WatcherOptions options)
    : source_(source), clock_(clock), rng_(rng), options_(options) {}

std::chrono::nanoseconds Watcher::Fail(Status error) {
  const auto now = clock_.SteadyNow();
  if (last_failure_ && now - *last_failure_ >= options_.backoff_reset) failures_ = 0;
  last_failure_ = now;
  auto delay = options_.backoff.Delay(failures_++, rng_.Uniform());
  if (const auto& advised = error.details().retry_after) {
    delay = std::max<std::chrono::nanoseconds>(delay, *advised);
  }
  last_error_ = std::move(error);
  return delay;
}

std::optional<std::chrono::nanoseconds> Watcher::Step(const std::function<void(WatcherEvent)>& sink,
                                                      std::stop_token stop) {
  if (stop.stop_requested()) return std::nullopt;
  switch (phase_) {
    case Phase::kEmpty:
      sink({WatcherEventType::kInitBegin, nullptr});
      phase_ = Phase::kListing;
      continue_token_.clear();
      return ListPage(sink, stop);
    case Phase::kListing: return ListPage(sink, stop);
    case Phase::kWatching: return WatchOnce(sink, stop);
  }
  return std::chrono::nanoseconds::zero();
}

std::optional<std::chrono::nanoseconds> Watcher::ListPage(
    const std::function<void(WatcherEvent)>& sink, std::stop_token stop) {
  kube::ListOptions options;
  options.limit = options_.page_size;
  options.continue_token = continue_token_;
  auto page = source_.List(options);
  if (stop.stop_requested()) return std::nullopt;
  if (!page.ok()) {
    // An expired continue token: the snapshot is gone, start the list over.
    if (page.status().code() == Code::kGone) phase_ = Phase::kEmpty;
    return Fail(page.status());
  }
  for (auto& item : page->items) {
    sink({WatcherEventType::kInitApply, std::make_shared<const nlohmann::json>(std::move(item))});
  }
  if (!page->continue_token.empty()) {
    continue_token_ = page->continue_token;
    return std::chrono::nanoseconds::zero();
  }
  // Every page is of the first page's snapshot; the last page's list
  // resourceVersion is that snapshot's.
  resource_version_ = page->resource_version;
  continue_token_.clear();
  phase_ = Phase::kWatching;
  last_error_ = Status();
  sink({WatcherEventType::kInitDone, nullptr});
  return std::chrono::nanoseconds::zero();
}

std::optional<std::chrono::nanoseconds> Watcher::WatchOnce(
    const std::function<void(WatcherEvent)>& sink, std::stop_token stop) {
  kube::WatchOptions options;
  options.resource_version = resource_version_;
  options.allow_bookmarks = true;
  options.timeout = options_.watch_timeout;
  int events = 0;
  const auto started = clock_.SteadyNow();
  Status s = source_.Watch(
      options,
      [&](kube::WatchEvent event) -> Status {
        ++events;
        const std::string rv = ResourceVersionOf(event.object);
        if (!rv.empty()) resource_version_ = rv;
        switch (event.type) {
          case kube::WatchEventType::kAdded:
          case kube::WatchEventType::kModified:
            sink({WatcherEventType::kApply,
                  std::make_shared<const nlohmann::json>(std::move(event.object))});
            break;
          case kube::WatchEventType::kDeleted:
            sink({WatcherEventType::kDelete,
                  std::make_shared<const nlohmann::json>(std::move(event.object))});
            break;
          case kube::WatchEventType::kBookmark:
          case kube::WatchEventType::kError: break;
        }
        return Status();
      },
      stop);
  if (stop.stop_requested() || s.code() == Code::kCancelled) return std::nullopt;
  if (s.code() == Code::kGone) {
    phase_ = Phase::kEmpty;
    resource_version_.clear();
    // Relisting at once is what Gone asks for; count it so a server that
    // answers Gone forever is not relisted in a hot loop.
    return Fail(s);
  }
  if (!s.ok()) return Fail(s);
  if (events == 0 && clock_.SteadyNow() - started < std::chrono::seconds(1)) {
    return Fail(Unavailable("watch ended at once with no event"));
  }
  last_error_ = Status();
  return std::chrono::nanoseconds::zero();
}

std::string_view PhaseName(Watcher::Phase phase) {
  switch (phase) {
    case Watcher::Phase::kEmpty: return "empty";
    case Watcher::Phase::kListing: return "listing";
    case Watcher::Phase::kWatching: return "watching";
  }
  return "unknown";
}

bool SleepUnlessStopped(std::chrono::nanoseconds d, std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  return !cv.wait_for(lock, stop, d, [&] { return stop.stop_requested(); });
}

}  // namespace runledger::runtime
