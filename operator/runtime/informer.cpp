#include "runtime/informer.h"

#include <malloc.h>
#include <spdlog/spdlog.h>

namespace runledger::runtime {
namespace {

// Gives the heap's free pages back to the system. A relist parses pages of
// up to 500 full objects (managedFields and all) and keeps only their slim
// text: without this the freed pages stay in the process's RSS.
void ReleaseFreeHeap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace

Informer::Informer(std::string name, std::unique_ptr<ListWatchSource> source, const Clock& clock,
                   WatcherOptions options)
    : name_(std::move(name)),
      source_(std::move(source)),
      clock_(clock),
      options_(options),
      rng_(Rng::Seeded()) {}

Informer::~Informer() { Stop(); }

void Informer::AddHandler(Handler handler) { handlers_.push_back(std::move(handler)); }

void Informer::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) {
    Watcher watcher(*source_, clock_, rng_, options_);
    auto notify = [this](const CacheChange& change) {
      for (const auto& handler : handlers_) handler(change);
    };
    auto sink = [&](WatcherEvent event) {
      const bool relisted = event.type == WatcherEventType::kInitDone;
      cache_.Apply(event, notify);
      if (relisted) ReleaseFreeHeap();
    };
    while (auto delay = watcher.Step(sink, stop)) {
      const Status& error = watcher.last_error();
      if (!error.ok()) {
        spdlog::warn("informer={} phase={} retry_in_ms={} error=\"{}\"", name_,
                     PhaseName(watcher.phase()),
                     std::chrono::duration_cast<std::chrono::milliseconds>(*delay).count(),
                     error.ToString());
      }
      if (*delay > std::chrono::nanoseconds::zero() && !SleepUnlessStopped(*delay, stop)) break;
    }
  });
}

void Informer::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

}  // namespace runledger::runtime
