// Power-cut test: unlike SIGKILL (tests/store/crash_test.cpp), a power cut
// loses every byte that was not fsynced, so this test fails if the store
// acknowledges a batch before the fdatasync of its WAL record or before the
// fsync of the directory entry of the segment holding it.
//
// The model of the disk:
//   - File data: a WAL segment keeps only the bytes it held when an
//     fdatasync/fsync of it last completed before the cut.
//   - Directory entries: a segment created after the last directory fsync
//     that completed before the cut is gone.
// The store's directory fsync (SyncDir in wal.cpp) is not routed through
// MetricStoreOptions::wal_file_factory, so the test observes the syscalls
// themselves: it defines fsync and fdatasync (below), which the linker binds
// in place of libc's for the statically linked store. They pass through to
// the kernel and, while a PowerModel is active, record what became durable
// under the test's directory. The WalFile wrapper (PowerCutFile) records
// each segment's creation and refuses writes after the cut.
//
// Each round opens the store, checks every batch acknowledged so far is
// present exactly once (and every batch all or nothing), re-sends some
// batches with idempotency ids, runs appenders on several threads (small
// segments, so background compaction writes chunks and manifests and
// deletes segments meanwhile), and cuts the power at a random event: from
// then on every write, file creation and fsync under the test directory
// fails (so compaction's object Puts fail too). The store is destroyed,
// the WAL is cut back to its durable state, and the next round reopens it.
//
// Not modelled: unlinks and renames that were not followed by a directory
// fsync are kept (a real power cut could undo them); the file:// object
// store's own durability (it fsyncs the file, renames, fsyncs the
// directory) is taken as given beyond "no Put completes after the cut".
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/file_object_store.h"
#include "store/metric_store.h"
#include "store/posix_file.h"
#include "test_util.h"

namespace runledger::store {
namespace {

using testing::TempDir;

// What the disk would keep if the power went out now.
class PowerModel {
 public:
  explicit PowerModel(std::string root) : root_(std::move(root)) {}

  bool Tracks(const std::string& path) const { return path.starts_with(root_ + "/"); }

  // Counts one event toward the cut armed by CutAfter; true once cut.
  bool Tick() {
    std::lock_guard lock(mu_);
    if (countdown_ > 0 && --countdown_ == 0) cut_ = true;
    return cut_;
  }
  void CutAfter(uint64_t events) {
    std::lock_guard lock(mu_);
    countdown_ = events;
  }
  void Cut() {
    std::lock_guard lock(mu_);
    cut_ = true;
  }
  bool cut() const {
    std::lock_guard lock(mu_);
    return cut_;
  }

  // A WAL segment was created (the factory returned).
  void Created(const std::string& path) {
    std::lock_guard lock(mu_);
    files_[path] = File{.created_epoch = ++epoch_, .dir = DirName(path)};
  }

  // A sync of `fd` at `path`: returns what the caller returns (-1 with errno
  // EIO when the power is off before or during it).
  int Sync(int fd, const std::string& path, long sysno) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return -1;
    const bool dir = S_ISDIR(st.st_mode);
    uint64_t covers;  // A directory: creations up to this epoch; a file: bytes.
    {
      std::lock_guard lock(mu_);
      if (cut_) return Fail();
      covers = dir ? epoch_ : static_cast<uint64_t>(st.st_size);
    }
    if (Tick()) return Fail();
    int r = static_cast<int>(::syscall(sysno, fd));
    if (r != 0) return r;
    if (Tick()) return Fail();  // The power went out before the caller heard.
    std::lock_guard lock(mu_);
    if (cut_) return Fail();
    if (dir) {
      auto& d = dir_durable_through_[path];
      d = std::max(d, covers);
      ++dir_syncs_;
    } else if (auto it = files_.find(path); it != files_.end()) {
      it->second.durable = std::max(it->second.durable, covers);
      ++file_syncs_;
    }
    return 0;
  }

  // After the cut: makes the WAL directory what the disk would hold.
  void ApplyToDisk() {
    std::lock_guard lock(mu_);
    for (const auto& [path, f] : files_) {
      if (!std::filesystem::exists(path)) continue;  // Compacted and deleted.
      auto d = dir_durable_through_.find(f.dir);
      if (d == dir_durable_through_.end() || d->second < f.created_epoch) {
        std::filesystem::remove(path);  // The entry never reached the disk.
        ++segments_lost_;
      } else {
        if (std::filesystem::file_size(path) > f.durable) ++segments_cut_;
        std::filesystem::resize_file(path, f.durable);
      }
    }
  }

  uint64_t dir_syncs() const {
    std::lock_guard lock(mu_);
    return dir_syncs_;
  }
  uint64_t file_syncs() const {
    std::lock_guard lock(mu_);
    return file_syncs_;
  }
  uint64_t segments_lost() const { return segments_lost_; }
  uint64_t segments_cut() const { return segments_cut_; }

 private:
  struct File {
    uint64_t created_epoch = 0;
    std::string dir;
    uint64_t durable = 0;  // Bytes.
  };
  static int Fail() {
    errno = EIO;
    return -1;
  }

  const std::string root_;
  mutable std::mutex mu_;
  bool cut_ = false;
  uint64_t countdown_ = 0;
  uint64_t epoch_ = 0;
  std::map<std::string, File> files_;
  std::map<std::string, uint64_t> dir_durable_through_;
  uint64_t dir_syncs_ = 0, file_syncs_ = 0, segments_lost_ = 0, segments_cut_ = 0;
};

std::atomic<PowerModel*> g_model{nullptr};

std::string FdPath(int fd) {
  char link[64], buf[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = ::readlink(link, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

int SyncHook(int fd, long sysno) {
  PowerModel* m = g_model.load();
  if (m != nullptr) {
    std::string path = FdPath(fd);
    if (m->Tracks(path)) return m->Sync(fd, path, sysno);
  }
  return static_cast<int>(::syscall(sysno, fd));
}

// A WAL segment that stops taking bytes when the power is off.
class PowerCutFile final : public WalFile {
 public:
  PowerCutFile(std::unique_ptr<WalFile> real, PowerModel* model)
      : real_(std::move(real)), model_(model) {}
  Status Append(std::string_view data) override {
    if (model_->Tick()) return IoError("power cut");
    return real_->Append(data);
  }
  Status Sync() override {
    if (model_->Tick()) return IoError("power cut");
    return real_->Sync();  // Durability is recorded by the fdatasync hook.
  }
  Status Truncate(uint64_t size) override {
    if (model_->Tick()) return IoError("power cut");
    return real_->Truncate(size);
  }

 private:
  std::unique_ptr<WalFile> real_;
  PowerModel* model_;
};

WalFileFactory PowerCutFactory(PowerModel* model) {
  return [model, real = PosixWalFileFactory()](
             const std::string& path) -> Result<std::unique_ptr<WalFile>> {
    if (model->Tick()) return IoError("power cut");
    ASSIGN_OR_RETURN(auto file, real(path));
    model->Created(path);
    return std::unique_ptr<WalFile>(new PowerCutFile(std::move(file), model));
  };
}

// Every batch the test sent: batch b holds steps [b*100, b*100 + points) of
// key "loss" in its run, value b.
struct Sent {
  Batch batch;
  bool acked = false;  // Acknowledged, or seen after a restart: must stay.
};

constexpr int kThreads = 4;
constexpr int kRounds = 20;

class PowerCutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::canonical(dir_.path()).string();
    auto objects = FileObjectStore::Open(root_ + "/objects");
    ASSERT_TRUE(objects.ok()) << objects.status().ToString();
    objects_ = std::move(*objects);
  }
  void TearDown() override { g_model.store(nullptr); }

  MetricStoreOptions Options(PowerModel* model) {
    MetricStoreOptions o{.wal_dir = root_ + "/wal",
                         .objects = objects_.get(),
                         .segment_bytes = 16 << 10,  // Many segments, many compactions.
                         .clock = &clock_};
    if (model != nullptr) o.wal_file_factory = PowerCutFactory(model);
    return o;
  }

  Batch NewBatch(uint64_t b, std::mt19937_64& rng, bool with_id) {
    Batch batch{"run-" + std::to_string(b % 3), with_id ? "id-" + std::to_string(b) : "", {}};
    int points = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < points; ++i) {
      batch.points.push_back(Point{"loss", static_cast<double>(b), static_cast<int64_t>(b),
                                   static_cast<int64_t>(b * 100) + i});
    }
    return batch;
  }

  // Every acknowledged batch exactly once; every other batch all or nothing.
  void Verify(MetricStore& store, int round) {
    std::map<std::string, std::map<int64_t, int>> seen;  // run -> step -> count.
    for (int r = 0; r < 3; ++r) {
      std::string run = "run-" + std::to_string(r);
      auto page = store.History({.run_id = run, .key = "loss", .max_results = 1 << 30});
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      for (const Sample& s : page->samples) {
        ++seen[run][s.step];
        ASSERT_EQ(s.value, static_cast<double>(s.step / 100)) << "round " << round;
        ASSERT_EQ(s.timestamp_ms, s.step / 100) << "round " << round;
      }
    }
    size_t expected_steps = 0;
    for (auto& [b, sent] : sent_) {
      auto& steps = seen[sent.batch.run_id];
      size_t present = 0;
      for (const Point& p : sent.batch.points) {
        auto it = steps.find(p.step);
        if (it == steps.end()) continue;
        ASSERT_EQ(it->second, 1) << "round " << round << ": batch " << b << " step " << p.step
                                 << " stored " << it->second << " times";
        ++present;
      }
      if (sent.acked) {
        ASSERT_EQ(present, sent.batch.points.size())
            << "round " << round << ": acknowledged batch " << b << " (id \""
            << sent.batch.idempotency_id << "\") lost " << sent.batch.points.size() - present
            << " of " << sent.batch.points.size() << " points";
      } else {
        ASSERT_TRUE(present == 0 || present == sent.batch.points.size())
            << "round " << round << ": batch " << b << " is partial";
        sent.acked = present > 0;  // Seen once, it must never go away.
      }
      expected_steps += present;
    }
    size_t total = 0;
    for (const auto& [run, steps] : seen) total += steps.size();
    ASSERT_EQ(total, expected_steps) << "round " << round << ": points of no batch sent";
  }

  FakeClock clock_;
  TempDir dir_;
  std::string root_;
  std::unique_ptr<ObjectStore> objects_;
  std::map<uint64_t, Sent> sent_;
};

TEST_F(PowerCutTest, AcknowledgedPointsSurviveRandomPowerCutsExactlyOnce) {
  const uint64_t seed = (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  uint64_t next_batch = 1, dir_syncs = 0, file_syncs = 0, lost = 0, cut = 0, compactions = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    PowerModel model(root_);
    g_model.store(&model);
    auto opened = MetricStore::Open(Options(&model));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    std::unique_ptr<MetricStore> store = std::move(*opened);
    Verify(*store, round);
    if (HasFatalFailure()) return;

    // Retries of earlier batches with ids, acknowledged or not: each must
    // end up stored exactly once.
    for (auto& [b, sent] : sent_) {
      if (sent.batch.idempotency_id.empty() || rng() % 4 != 0) continue;
      if (store->Append(sent.batch).ok()) sent.acked = true;
    }

    // A cut at a random event (file creation, write, sync), or after a
    // random 20-170 ms, whichever comes first.
    model.CutAfter(1 + rng() % 600);
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t, seed = rng()] {
        std::mt19937_64 trng(seed);
        while (!stop.load()) {
          uint64_t b;
          Batch batch;
          {
            std::lock_guard lock(mu);
            b = next_batch++;
            batch = NewBatch(b, trng, t % 2 == 0);
            sent_[b] = Sent{batch};
          }
          bool ok = store->Append(batch).ok();
          // A batch with an id is sometimes retried at once (a lost answer).
          if (!batch.idempotency_id.empty() && trng() % 3 == 0)
            ok = store->Append(batch).ok() || ok;
          if (ok) {
            std::lock_guard lock(mu);
            sent_[b].acked = true;
          } else if (!model.cut()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));  // Compaction behind.
          }
        }
      });
    }
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(20 + static_cast<int>(rng() % 150));
    while (!model.cut() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    model.Cut();
    stop = true;
    for (auto& th : threads) th.join();
    compactions += store->stats().compactions;
    store.reset();  // No flush: every write and sync fails from the cut on.
    model.ApplyToDisk();
    g_model.store(nullptr);
    dir_syncs += model.dir_syncs();
    file_syncs += model.file_syncs();
    lost += model.segments_lost();
    cut += model.segments_cut();
  }

  auto opened = MetricStore::Open(Options(nullptr));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Verify(**opened, kRounds);
  size_t acked = 0;
  for (const auto& [b, sent] : sent_) acked += sent.acked;
  std::printf(
      "power cuts: %d, batches sent %zu, kept %zu; syncs seen: %llu dir, %llu file; "
      "segments cut back %llu, lost %llu; compactions %llu\n",
      kRounds, sent_.size(), acked, static_cast<unsigned long long>(dir_syncs),
      static_cast<unsigned long long>(file_syncs), static_cast<unsigned long long>(cut),
      static_cast<unsigned long long>(lost), static_cast<unsigned long long>(compactions));
  // The hooks must have seen the store's syncs, or the test proves nothing.
  EXPECT_GE(dir_syncs, static_cast<uint64_t>(kRounds));
  EXPECT_GT(file_syncs, 0u);
  EXPECT_GT(acked, 0u);
  EXPECT_GT(compactions, 0u);  // The object-store hand-off ran under the cuts too.
}

}  // namespace
}  // namespace runledger::store

// The store links statically, so these replace libc's fsync and fdatasync in
// this binary. With no PowerModel active they only make the system call.
extern "C" int fsync(int fd) { return runledger::store::SyncHook(fd, SYS_fsync); }
extern "C" int fdatasync(int fd) { return runledger::store::SyncHook(fd, SYS_fdatasync); }
