// Watcher: keeps a local view of one kind in step with the API server, as an
// explicit list-then-watch state machine.
//
//   kEmpty ──► kListing ──(last page)──► kWatching ──(server ends watch)──┐
//      ▲          │  pages of `page_size`      │  ▲                          │
//      │          ▼                            │  └──── resume from last rv ─┘
//      └──── Gone (rv compacted, or an expired continue token) ◄─┘
//
// Events go to a sink in this order: kInitBegin, kInitApply per listed object,
// kInitDone, then kApply / kDelete per watch event. A consumer swaps a relist
// in whole at kInitDone, which is how deletions missed while disconnected are
// noticed (see Cache). Bookmarks only advance the resourceVersion.
//
// Errors other than Gone keep the state (and resourceVersion) and back off:
// 0.8 s doubling to 30 s with jitter, reset once no error happened for
// `backoff_reset` (kube-rs's default watcher backoff). A 429 or 503 with
// Retry-After waits at least that long. A watch that ends cleanly resumes at
// once from the last resourceVersion seen, unless it ended within a second
// with no event (a server or proxy dropping us): that counts as an error.
//
// Thread-safety: none; one thread drives a watcher's Step.
// Lifetime: does not own `source`, `clock` or `rng`; they must outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "kube/client.h"
#include "runtime/backoff.h"

namespace runledger::runtime {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

// Where a watcher lists and watches: a kube::Client for one resource, or a
// fake in tests.
class ListWatchSource {
 public:
  virtual ~ListWatchSource() = default;
  virtual Result<kube::ListPage> List(const kube::ListOptions& options) = 0;
  virtual Status Watch(const kube::WatchOptions& options,
                       const std::function<Status(kube::WatchEvent)>& on_event,
                       std::stop_token stop) = 0;
};

// A source for `resource` in `ns` ("" for all namespaces) through `client`,
// which must outlive it.
std::unique_ptr<ListWatchSource> NewClientSource(kube::Client& client, kube::Resource resource,
                                                 std::string ns, std::string label_selector = "");

enum class WatcherEventType { kInitBegin, kInitApply, kInitDone, kApply, kDelete };

struct WatcherEvent {
  WatcherEventType type;
  ObjectPtr object;  // Null for kInitBegin and kInitDone.
};

struct WatcherOptions {
  // Not client-go's 500: a page is parsed whole (about 20 KB of heap per
  // TrainingRun with its managedFields) while the cache keeps 2 KB of each,
  // and the page's freed memory stays interleaved with what is kept. Measured
  // with bench/cache_memory and 10,000 runs: 12 MB of such free heap with
  // pages of 500, 2 MB with pages of 100 (docs/benchmarks.md).
  int64_t page_size = 100;
  // Passed on; the client draws the real timeout from [t/2, t] (5-10 min).
  std::chrono::seconds watch_timeout{600};
  Backoff backoff{std::chrono::milliseconds(800), std::chrono::seconds(30), 2.0, 1.0};
  std::chrono::seconds backoff_reset{120};
};

class Watcher {
 public:
  enum class Phase { kEmpty, kListing, kWatching };

  Watcher(ListWatchSource& source, const Clock& clock, Rng& rng, WatcherOptions options = {});

  // Does one step for the current phase (list one page, or run one watch
  // until it ends), passing events to `sink`. Returns how long to wait
  // before the next step: zero, or a backoff after an error. Returns nullopt
  // when `stop` was requested.
  std::optional<std::chrono::nanoseconds> Step(const std::function<void(WatcherEvent)>& sink,
                                               std::stop_token stop);

  Phase phase() const { return phase_; }
  const std::string& resource_version() const { return resource_version_; }
  // The last error a step hit; OK after a successful step.
  const Status& last_error() const { return last_error_; }

 private:
  std::chrono::nanoseconds Fail(Status error);
  std::optional<std::chrono::nanoseconds> ListPage(const std::function<void(WatcherEvent)>& sink,
                                                   std::stop_token stop);
  std::optional<std::chrono::nanoseconds> WatchOnce(const std::function<void(WatcherEvent)>& sink,
                                                    std::stop_token stop);

  ListWatchSource& source_;
  const Clock& clock_;
  Rng& rng_;
  const WatcherOptions options_;

  Phase phase_ = Phase::kEmpty;
  std::string continue_token_;
  std::string resource_version_;
  int failures_ = 0;
  std::optional<Clock::SteadyTime> last_failure_;
  Status last_error_;
};

std::string_view PhaseName(Watcher::Phase phase);

// Sleeps for `d` of real time or until `stop` is requested; false if stopped.
bool SleepUnlessStopped(std::chrono::nanoseconds d, std::stop_token stop);

}  // namespace runledger::runtime
