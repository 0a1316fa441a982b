// store_bench: measures the metric store on this machine (bench/store.sh).
//   store_bench DIR [SECONDS_PER_CASE]
// Prints one line per measurement and, last, the summary line
//   store: points_per_s=... ack_p99_ms=... fsync_per_s=... bytes_per_point=... history_read_ms=...
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/chunk.h"
#include "store/metric_store.h"

using namespace runledger;
using namespace runledger::store;
using Clk = std::chrono::steady_clock;

namespace {

double Seconds(Clk::duration d) { return std::chrono::duration<double>(d).count(); }

// Realistic training curves: 4 keys logged together each step, as an MLflow
// log-batch does: loss and grad_norm (float32 from the framework, noisy),
// accuracy (correct/10000 on an eval set), lr (cosine schedule, a double).
class Curves {
 public:
  explicit Curves(uint64_t seed) : rng_(seed) {}
  void Step(int64_t step, std::vector<Point>* out) {
    ts_ += 100 + static_cast<int64_t>(rng_() % 40);  // ~8 steps/s with jitter.
    double x = static_cast<double>(step);
    float loss = static_cast<float>(2.3 * std::exp(-x / 20000) + 0.25 + noise_(rng_) * 0.04);
    float grad =
        static_cast<float>(1.0 + 0.5 * std::exp(-x / 5000) + std::fabs(noise_(rng_)) * 0.2);
    double acc_k = std::round(10000 * (0.93 - 0.6 * std::exp(-x / 15000)) + noise_(rng_) * 15);
    double lr = 3e-4 * 0.5 * (1 + std::cos(3.141592653589793 * x / 2e6));
    out->push_back(Point{"loss", static_cast<double>(loss), ts_, step});
    out->push_back(Point{"grad_norm", static_cast<double>(grad), ts_, step});
    out->push_back(Point{"accuracy", acc_k / 10000, ts_, step});
    out->push_back(Point{"lr", lr, ts_, step});
  }

 private:
  std::mt19937_64 rng_;
  std::normal_distribution<double> noise_{0, 1};
  int64_t ts_ = 1717000000000;
};

// 1000-point batches (250 steps x 4 keys) for one run.
class BatchSource {
 public:
  BatchSource(std::string run, uint64_t seed) : run_(std::move(run)), curves_(seed) {}
  Batch Next() {
    Batch b{run_, "", {}};
    b.points.reserve(1000);
    for (int i = 0; i < 250; ++i) curves_.Step(step_++, &b.points);
    return b;
  }

 private:
  std::string run_;
  Curves curves_;
  int64_t step_ = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Disk {
  double fsync_per_s = 0, seq_mb_per_s = 0;
};

Disk MeasureDisk(const std::string& dir, double seconds) {
  Disk d;
  std::string path = dir + "/disk-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string block(4096, 'x');
  int n = 0;
  auto t0 = Clk::now();
  while (Seconds(Clk::now() - t0) < seconds) {
    if (::write(fd, block.data(), block.size()) < 0 || ::fdatasync(fd) != 0) break;
    ++n;
  }
  d.fsync_per_s = n / Seconds(Clk::now() - t0);
  ::close(fd);
  fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string mb(1 << 20, 'y');
  size_t total = 0;
  t0 = Clk::now();
  for (int i = 0; i < 512 && Seconds(Clk::now() - t0) < seconds * 3; ++i) {
    if (::write(fd, mb.data(), mb.size()) < 0) break;
    total += mb.size();
  }
  ::fdatasync(fd);
  d.seq_mb_per_s = static_cast<double>(total) / 1e6 / Seconds(Clk::now() - t0);
  ::close(fd);
  ::unlink(path.c_str());
  return d;
}

struct Fixture {
  std::string root;
  std::unique_ptr<ObjectStore> objects;
  std::unique_ptr<MetricStore> store;
  Fixture(const std::string& dir, bool background) : root(dir) {
    std::filesystem::remove_all(dir);
    auto opened = ObjectStore::Open("file://" + dir + "/objects");
    if (!opened.ok()) {
      std::fprintf(stderr, "object store: %s\n", opened.status().ToString().c_str());
      std::exit(1);
    }
    objects = std::move(opened).value();
    auto s = MetricStore::Open({.wal_dir = dir + "/wal",
                                .objects = objects.get(),
                                .segment_bytes = 64u << 20,
                                .cache_bytes = 256u << 20,
                                .max_sealed_segments = 64,
                                .background_compaction = background});
    if (!s.ok()) {
      std::fprintf(stderr, "open: %s\n", s.status().ToString().c_str());
      std::exit(1);
    }
    store = std::move(*s);
  }
  ~Fixture() {
    store.reset();
    std::filesystem::remove_all(root);
  }
};

struct AppendResult {
  double points_per_s = 0, p50_ms = 0, p99_ms = 0;
  uint64_t errors = 0;
};

// `threads` appenders, each its own run; paced at `batches_per_s` in total
// when > 0, else as fast as they can. With `with_ids` every batch carries an
// idempotency id, as runledger-capture's retried batches do.
AppendResult MeasureAppends(const std::string& dir, int threads, double seconds,
                            double batches_per_s, bool with_ids = false) {
  Fixture f(dir, /*background=*/true);
  std::vector<std::vector<double>> lat(threads);
  std::atomic<uint64_t> points{0}, errors{0};
  auto start = Clk::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      BatchSource src("run-" + std::to_string(t), t + 1);
      std::vector<Batch> ready;
      auto interval = batches_per_s > 0 ? std::chrono::duration<double>(threads / batches_per_s)
                                        : std::chrono::duration<double>(0);
      auto next = start + std::chrono::duration_cast<Clk::duration>(interval * t / threads);
      while (Seconds(Clk::now() - start) < seconds) {
        Batch b = src.Next();  // Generated outside the timed region.
        if (with_ids) b.idempotency_id = "batch-" + std::to_string(lat[t].size());
        if (batches_per_s > 0) {
          std::this_thread::sleep_until(next);
          next += std::chrono::duration_cast<Clk::duration>(interval);
        }
        auto t0 = Clk::now();
        Status s = f.store->Append(b);
        lat[t].push_back(Seconds(Clk::now() - t0) * 1000);
        if (s.ok()) {
          points += b.points.size();
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  double elapsed = Seconds(Clk::now() - start);
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return {static_cast<double>(points) / elapsed, Percentile(all, 0.5), Percentile(all, 0.99),
          errors.load()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: store_bench DIR [SECONDS_PER_CASE]\n");
    return 2;
  }
  // file:// needs an absolute path.
  std::string dir = std::filesystem::absolute(argv[1]).lexically_normal().string();
  double secs = argc > 2 ? std::atof(argv[2]) : 5;
  std::filesystem::create_directories(dir);
  std::printf("cores: %u\n", std::thread::hardware_concurrency());

  Disk disk = MeasureDisk(dir, std::min(secs, 3.0));
  std::printf("disk: fsync_per_s=%.0f (4 KiB write + fdatasync) seq_write_mb_per_s=%.0f\n",
              disk.fsync_per_s, disk.seq_mb_per_s);

  double best_pps = 0;
  for (int threads : {1, 8, 32}) {
    AppendResult r = MeasureAppends(dir + "/append", threads, secs, 0);
    best_pps = std::max(best_pps, r.points_per_s);
    std::printf(
        "append: threads=%d batch=1000 points_per_s=%.0f ack_p50_ms=%.3f ack_p99_ms=%.3f "
        "errors=%llu\n",
        threads, r.points_per_s, r.p50_ms, r.p99_ms, static_cast<unsigned long long>(r.errors));
    std::fflush(stdout);
  }
  AppendResult with_ids = MeasureAppends(dir + "/ids", 8, secs, 0, /*with_ids=*/true);
  std::printf(
      "append: threads=8 batch=1000 idempotency_ids=yes points_per_s=%.0f ack_p50_ms=%.3f "
      "ack_p99_ms=%.3f errors=%llu\n",
      with_ids.points_per_s, with_ids.p50_ms, with_ids.p99_ms,
      static_cast<unsigned long long>(with_ids.errors));
  AppendResult paced = MeasureAppends(dir + "/paced", 8, secs, 1000);
  std::printf(
      "append: paced 1000 batches/s from 8 threads points_per_s=%.0f ack_p50_ms=%.3f "
      "ack_p99_ms=%.3f errors=%llu\n",
      paced.points_per_s, paced.p50_ms, paced.p99_ms,
      static_cast<unsigned long long>(paced.errors));

  // Compaction and reads: 1,000,000 points of one run's "loss" (plus its
  // three sibling keys), compacted, then read back.
  double bytes_per_point = 0, history_ms = 0;
  {
    Fixture f(dir + "/compact", /*background=*/false);
    BatchSource src("history-run", 42);
    uint64_t points = 0;
    while (points < 4000000) {
      Batch b = src.Next();
      points += b.points.size();
      if (!f.store->Append(b).ok()) return 1;
    }
    auto t0 = Clk::now();
    if (!f.store->Compact().ok()) return 1;
    double compact_s = Seconds(Clk::now() - t0);
    MetricStoreStats st = f.store->stats();
    bytes_per_point = static_cast<double>(st.chunk_bytes) / static_cast<double>(st.chunk_points);
    std::printf(
        "compaction: points=%llu seconds=%.2f points_per_s=%.0f chunk_bytes=%llu "
        "bytes_per_point=%.2f\n",
        static_cast<unsigned long long>(st.chunk_points), compact_s,
        static_cast<double>(st.chunk_points) / compact_s,
        static_cast<unsigned long long>(st.chunk_bytes), bytes_per_point);
    // Per key: encode each curve alone to show where the bytes go.
    for (const char* key : {"loss", "grad_norm", "accuracy", "lr"}) {
      auto page = f.store->History({.run_id = "history-run", .key = key, .max_results = 2000000});
      std::string chunk = EncodeChunk({Series{key, page->samples}});
      std::printf("bytes_per_point: key=%s %.2f\n", key,
                  static_cast<double>(chunk.size()) / static_cast<double>(page->samples.size()));
    }
    for (const char* cache : {"cold", "warm"}) {
      if (std::string(cache) == "cold") {
        f.store.reset();  // A fresh store has an empty chunk cache.
        auto s = MetricStore::Open({.wal_dir = dir + "/compact/wal",
                                    .objects = f.objects.get(),
                                    .background_compaction = false});
        f.store = std::move(*s);
      }
      t0 = Clk::now();
      auto page =
          f.store->History({.run_id = "history-run", .key = "loss", .max_results = 1000000});
      double ms = Seconds(Clk::now() - t0) * 1000;
      if (!page.ok() || page->samples.size() != 1000000) return 1;
      if (std::string(cache) == "cold") history_ms = ms;
      std::printf("history: points=1000000 cache=%s ms=%.1f\n", cache, ms);
    }
  }
  std::filesystem::remove_all(dir);
  std::printf(
      "store: points_per_s=%.0f ack_p99_ms=%.3f fsync_per_s=%.0f bytes_per_point=%.2f "
      "history_read_ms=%.1f\n",
      best_pps, paced.p99_ms, disk.fsync_per_s, bytes_per_point, history_ms);
  return 0;
}
