// cache_memory: what N cached TrainingRuns cost the operator's memory, and
// where it goes. Not a test: a measurement (docs/benchmarks.md, "Reconcile").
//
//   cache_memory [N] [OBJECT.json]
//
// OBJECT.json is one TrainingRun as the API server returns it, managedFields
// included (default: bench/testdata/trainingrun_stalled.json, read from the
// local cluster after the operator stalled it). A fake source serves N copies
// (distinct names, uids and resourceVersions) in list pages of the watcher's
// size ($PAGE overrides it). Each page body is built as one JSON text on
// another thread, as cpprestsdk receives a response on its own threads, then
// parsed on the informer's thread, as kube::Client::List does. A real
// Informer lists them into its Cache.
//
// The cache has the operator's indexes and summary fields
// (controllers::AddRunIndexes). Then the harness does what the operator does
// with a synced cache of stalled runs: four workers each read every run
// they reconcile from the cache (Get) and copy it (the reconciler's
// `o.run = *run`), then drop both; and one Experiment reconcile reads the
// summaries of all runs. It prints RSS and glibc's malloc figures
// after each step, and again after malloc_trim(0).
//
// Last line:
//   cache_memory: objects=… object_bytes=… slim_bytes=… cache_bytes_per_object=… rss_mb=…
//   rss_trimmed_mb=…
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "controllers/trainingrun_reconciler.h"
#include "runtime/cache.h"
#include "runtime/informer.h"

namespace {

using nlohmann::json;
using runledger::Result;
using runledger::Status;
namespace runtime = runledger::runtime;
namespace kube = runledger::kube;

// The watcher's page size, or $PAGE to compare others.
const int kPage = std::getenv("PAGE") ? std::atoi(std::getenv("PAGE"))
                                      : static_cast<int>(runtime::WatcherOptions{}.page_size);

double RssMb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

struct Heap {
  double in_use_mb;  // Allocated and not freed (arenas and mmap'd chunks).
  double free_mb;    // Freed but still held by the arenas.
};

Heap HeapNow() {
  struct mallinfo2 mi = mallinfo2();
  return {static_cast<double>(mi.uordblks + mi.hblkhd) / 1048576.0,
          static_cast<double>(mi.fordblks) / 1048576.0};
}

void Report(const char* step) {
  const Heap h = HeapNow();
  std::printf("%-34s rss %7.1f MB   heap in use %7.1f MB   heap free %7.1f MB\n", step, RssMb(),
              h.in_use_mb, h.free_mb);
  std::fflush(stdout);
}

// Serves `n` copies of `object` in pages, each page's body a JSON text built
// on another thread and parsed here.
class PagedSource final : public runtime::ListWatchSource {
 public:
  PagedSource(json object, int n) : object_(std::move(object)), n_(n) {}

  Result<kube::ListPage> List(const kube::ListOptions& options) override {
    const int first = options.continue_token.empty() ? 0 : std::stoi(options.continue_token);
    const int last = std::min(n_, first + kPage);
    std::string body = std::async(std::launch::async, [&] { return Body(first, last); }).get();
    json list = json::parse(body);
    body = std::string();
    kube::ListPage page;
    for (auto& item : list["items"]) page.items.push_back(std::move(item));
    page.resource_version = "1000000";
    if (last < n_) page.continue_token = std::to_string(last);
    return page;
  }

  Status Watch(const kube::WatchOptions&, const std::function<Status(kube::WatchEvent)>&,
               std::stop_token stop) override {
    while (!stop.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return runledger::Cancelled("stopped");
  }

 private:
  std::string Body(int first, int last) const {
    std::string out =
        R"({"apiVersion":"runledger.dev/v1alpha1","kind":"TrainingRunList","items":[)";
    json item = object_;
    for (int i = first; i < last; ++i) {
      char uid[37];
      std::snprintf(uid, sizeof uid, "%08x-0000-4000-8000-%012x", i, i);
      item["metadata"]["name"] = "r-" + std::to_string(i);
      item["metadata"]["uid"] = uid;
      item["metadata"]["resourceVersion"] = std::to_string(1000 + i);
      if (i > first) out += ',';
      out += item.dump();
    }
    return out + "]}";
  }

  const json object_;
  const int n_;
};

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::stoi(argv[1]) : 10000;
  const std::string path =
      argc > 2 ? argv[2]
               : std::string(RUNLEDGER_SOURCE_DIR "/bench/testdata/trainingrun_stalled.json");
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cache_memory: cannot read %s\n", path.c_str());
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  const json object = json::parse(text.str());
  const size_t object_bytes = object.dump().size();
  const size_t slim_bytes = runtime::Cache::Slim(object).dump().size();
  std::printf("object: %zu bytes as JSON text, %zu without managedFields\n", object_bytes,
              slim_bytes);

  Report("start");
  const Heap before = HeapNow();
  runtime::Informer informer("trainingruns", std::make_unique<PagedSource>(object, n),
                             runledger::Clock::Real());
  runledger::controllers::AddRunIndexes(informer.cache());
  informer.Start();
  while (!informer.Synced()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  informer.Stop();
  Report("listed");
  const double per_object = (HeapNow().in_use_mb - before.in_use_mb) * 1048576.0 / n;
  std::printf("cache: %zu objects, %.0f bytes of heap each\n", informer.cache().Size(), per_object);

  // Four workers, each reading and copying the runs it reconciles.
  std::vector<std::thread> workers;
  const std::string ns = object["metadata"]["namespace"].get<std::string>();
  const runtime::Cache& cache = informer.cache();
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&cache, &ns, n, w] {
      for (int i = w; i < n; i += 4) {
        runtime::ObjectPtr run = cache.Get({ns, "r-" + std::to_string(i)});
        json copy = *run;
        copy["status"]["phase"] = "Pending";
      }
    });
  }
  for (auto& t : workers) t.join();
  Report("after one reconcile pass");
  const std::string experiment = ns + "/" + object["spec"]["experimentRef"].get<std::string>();
  const auto t0 = std::chrono::steady_clock::now();
  const size_t summaries =
      cache.SummariesByIndex(runledger::controllers::kRunsByExperiment, experiment).size();
  const double scan_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("summaries of %zu runs of %s read in %.2f ms\n", summaries, experiment.c_str(),
              scan_ms);
  Report("after the Experiment's scan");
  const double rss = RssMb();
  malloc_trim(0);
  Report("after malloc_trim(0)");
  const double rss_trimmed = RssMb();

  std::printf(
      "cache_memory: objects=%d object_bytes=%zu slim_bytes=%zu cache_bytes_per_object=%.0f "
      "rss_mb=%.1f rss_trimmed_mb=%.1f\n",
      n, object_bytes, slim_bytes, per_object, rss, rss_trimmed);
  return 0;
}
