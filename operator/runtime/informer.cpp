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
    : Informer(
          std::move(name),
          [&] {
            std::vector<ScopedSource> sources;
            sources.push_back({"", std::move(source)});
            return sources;
          }(),
          clock, options) {}

Informer::Informer(std::string name, std::vector<ScopedSource> sources, const Clock& clock,
                   WatcherOptions options)
    : name_(std::move(name)), sources_(std::move(sources)), clock_(clock), options_(options) {
  std::vector<std::string> scopes;
  for (const auto& s : sources_) scopes.push_back(s.ns);
  cache_.SetScopes(std::move(scopes));
}

Informer::~Informer() { Stop(); }

void Informer::AddHandler(Handler handler) { handlers_.push_back(std::move(handler)); }

void Informer::Start() {
  if (!threads_.empty()) return;
  for (auto& scoped : sources_) {
    threads_.emplace_back([this, &scoped](std::stop_token stop) { Watch(scoped, stop); });
  }
}

void Informer::Watch(ScopedSource& scoped, std::stop_token stop) {
  Rng rng = Rng::Seeded();
  Watcher watcher(*scoped.source, clock_, rng, options_);
  auto notify = [this](const CacheChange& change) {
    for (const auto& handler : handlers_) handler(change);
  };
  auto sink = [&](WatcherEvent event) {
    const bool relisted = event.type == WatcherEventType::kInitDone;
    cache_.Apply(event, notify, scoped.ns);
    if (relisted) ReleaseFreeHeap();
  };
  while (auto delay = watcher.Step(sink, stop)) {
    const Status& error = watcher.last_error();
    if (!error.ok()) {
      spdlog::warn("informer={} namespace={} phase={} retry_in_ms={} error=\"{}\"", name_,
                   scoped.ns.empty() ? "(all)" : scoped.ns, PhaseName(watcher.phase()),
                   std::chrono::duration_cast<std::chrono::milliseconds>(*delay).count(),
                   error.ToString());
    }
    if (*delay > std::chrono::nanoseconds::zero() && !SleepUnlessStopped(*delay, stop)) break;
  }
}

void Informer::Stop() {
  for (auto& t : threads_) t.request_stop();
  threads_.clear();  // Joins.
}

}  // namespace runledger::runtime
