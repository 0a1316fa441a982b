// MetricStore under injected faults: object-store failures mid-compaction
// (orphaned chunks and their collection), retry backoff on the injected
// clock, and WAL write failures (resume after a full disk, Health).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "store/file_object_store.h"
#include "store/metric_store.h"
#include "test_util.h"

namespace runledger::store {
namespace {

using testing::TempDir;

// A real file:// store whose Puts can be made to fail: `fail_put_after`
// more Puts succeed, then each fails (before writing); with
// `commit_then_fail_manifest`, the next manifest Put is stored and then
// reported as failed (a timeout after the server committed).
class FaultyObjectStore final : public ObjectStore {
 public:
  FaultyObjectStore(std::unique_ptr<ObjectStore> real, const Clock* clock)
      : real_(std::move(real)), clock_(clock) {}

  std::atomic<int> fail_put_after{-1};  // -1: never fail.
  std::atomic<bool> commit_then_fail_manifest{false};

  std::vector<Clock::SteadyTime> failed_put_times() {
    std::lock_guard lock(mu_);
    return failed_put_times_;
  }

  Status Put(std::string_view key, Reader& body) override {
    if (key.ends_with("MANIFEST") && commit_then_fail_manifest.exchange(false)) {
      RETURN_IF_ERROR(real_->Put(key, body));
      return Unavailable("injected: timed out after the manifest was stored");
    }
    int left = fail_put_after.load();
    if (left == 0) {
      std::lock_guard lock(mu_);
      failed_put_times_.push_back(clock_->SteadyNow());
      return Unavailable("injected: object store down");
    }
    if (left > 0) fail_put_after = left - 1;
    return real_->Put(key, body);
  }
  Result<std::unique_ptr<Reader>> Get(std::string_view key,
                                      std::optional<ByteRange> range) override {
    return real_->Get(key, range);
  }
  Result<ObjectInfo> Head(std::string_view key) override { return real_->Head(key); }
  Result<ListPage> List(const ListRequest& request) override { return real_->List(request); }
  Status Delete(std::string_view key) override { return real_->Delete(key); }

 private:
  std::unique_ptr<ObjectStore> real_;
  const Clock* clock_;
  std::mutex mu_;
  std::vector<Clock::SteadyTime> failed_put_times_;
};

// A WAL segment file whose writes or syncs can be made to fail.
struct WalFaults {
  std::atomic<bool> full{false};      // Append: out of space.
  std::atomic<bool> sync_eio{false};  // Sync: EIO.
};

class FaultyWalFile final : public WalFile {
 public:
  FaultyWalFile(std::unique_ptr<WalFile> real, WalFaults* f) : real_(std::move(real)), f_(f) {}
  Status Append(std::string_view data) override {
    if (f_->full) return Status(Code::kResourceExhausted, "out of space: injected ENOSPC");
    return real_->Append(data);
  }
  Status Sync() override {
    if (f_->sync_eio) return IoError("fdatasync: injected EIO");
    return real_->Sync();
  }
  Status Truncate(uint64_t size) override { return real_->Truncate(size); }

 private:
  std::unique_ptr<WalFile> real_;
  WalFaults* f_;
};

class MetricStoreFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto real = ObjectStore::Open("file://" + dir_.path() + "/objects");
    ASSERT_TRUE(real.ok());
    objects_ = std::make_unique<FaultyObjectStore>(std::move(*real), &clock_);
  }
  MetricStoreOptions Options() {
    MetricStoreOptions o{.wal_dir = dir_.path() + "/wal",
                         .objects = objects_.get(),
                         .segment_bytes = 1 << 20,
                         .background_compaction = false,
                         .orphan_grace = std::chrono::minutes(30),
                         .clock = &clock_,
                         .random_seed = 42};
    o.wal_file_factory = [this, real = PosixWalFileFactory()](
                             const std::string& path) -> Result<std::unique_ptr<WalFile>> {
      ASSIGN_OR_RETURN(auto f, real(path));
      return std::unique_ptr<WalFile>(new FaultyWalFile(std::move(f), &wal_faults_));
    };
    return o;
  }
  void Reopen(MetricStoreOptions o) {
    store_.reset();
    auto s = MetricStore::Open(std::move(o));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  static Batch Steps(const std::string& run, int from, int to) {
    Batch b{run, "", {}};
    for (int i = from; i < to; ++i) b.points.push_back(Point{"loss", i * 0.5, 1000 + i, i});
    return b;
  }
  size_t Count(const std::string& run) {
    auto page = store_->History({.run_id = run, .key = "loss", .max_results = 1 << 30});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->samples.size() : 0;
  }
  std::vector<std::string> ChunkObjects() {
    auto page = objects_->List({.prefix = "metrics/runs/"});
    EXPECT_TRUE(page.ok());
    std::vector<std::string> out;
    if (page.ok()) {
      for (const auto& o : page->objects) out.push_back(o.key);
    }
    return out;
  }

  FakeClock clock_;
  TempDir dir_;
  WalFaults wal_faults_;
  std::unique_ptr<FaultyObjectStore> objects_;
  std::unique_ptr<MetricStore> store_;
};

TEST_F(MetricStoreFaultsTest, ChunksOfFailedCompactionAreCollectedAfterGrace) {
  Reopen(Options());
  for (const char* run : {"a", "b", "c"}) ASSERT_TRUE(store_->Append(Steps(run, 0, 50)).ok());
  objects_->fail_put_after = 1;  // The first chunk is stored, the second fails.
  ASSERT_FALSE(store_->Compact().ok());
  objects_->fail_put_after = -1;
  ASSERT_TRUE(store_->Compact().ok());
  ASSERT_EQ(ChunkObjects().size(), 4u);  // Three listed, one orphan.

  auto collected = store_->CollectOrphans();  // First sighting: kept.
  ASSERT_TRUE(collected.ok()) << collected.status().ToString();
  EXPECT_EQ(*collected, 0u);
  clock_.Advance(std::chrono::minutes(29));
  EXPECT_EQ(*store_->CollectOrphans(), 0u);  // Still within the grace period.
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(*store_->CollectOrphans(), 1u);
  EXPECT_EQ(ChunkObjects().size(), 3u);
  for (const char* run : {"a", "b", "c"}) EXPECT_EQ(Count(run), 50u) << run;
  Reopen(Options());
  for (const char* run : {"a", "b", "c"}) EXPECT_EQ(Count(run), 50u) << run;
}

TEST_F(MetricStoreFaultsTest, ChunksOfManifestThatCommittedDespiteErrorAreKept) {
  Reopen(Options());
  ASSERT_TRUE(store_->Append(Steps("a", 0, 50)).ok());
  objects_->commit_then_fail_manifest = true;
  ASSERT_FALSE(store_->Compact().ok());  // Stored, but reported as failed.
  // The manifest in memory lists no chunk; the stored one does.
  ASSERT_TRUE(store_->CollectOrphans().ok());
  clock_.Advance(std::chrono::hours(2));
  ASSERT_TRUE(store_->CollectOrphans().ok());
  EXPECT_EQ(ChunkObjects().size(), 1u);
  Reopen(Options());  // Reads the stored manifest.
  EXPECT_EQ(Count("a"), 50u);
}

TEST_F(MetricStoreFaultsTest, ChunksReplacedByLaterCompactionBecomeOrphans) {
  Reopen(Options());
  ASSERT_TRUE(store_->Append(Steps("a", 0, 50)).ok());
  objects_->commit_then_fail_manifest = true;
  ASSERT_FALSE(store_->Compact().ok());
  ASSERT_TRUE(store_->Compact().ok());  // Rewrites the points under new names.
  ASSERT_EQ(ChunkObjects().size(), 2u);
  ASSERT_TRUE(store_->CollectOrphans().ok());
  clock_.Advance(std::chrono::hours(1));
  EXPECT_EQ(*store_->CollectOrphans(), 1u);
  EXPECT_EQ(Count("a"), 50u);
  Reopen(Options());
  EXPECT_EQ(Count("a"), 50u);
}

TEST_F(MetricStoreFaultsTest, CompactionRetriesBackOffWithJitterOnTheInjectedClock) {
  auto o = Options();
  o.background_compaction = true;
  o.segment_bytes = 4 << 10;
  Reopen(o);
  objects_->fail_put_after = 0;
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(store_->Append(Steps("a", i * 100, i * 100 + 100)).ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (objects_->failed_put_times().size() < 6 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  store_->Close();
  auto times = objects_->failed_put_times();
  ASSERT_GE(times.size(), 6u);  // Fake time passes at once: no real waiting.
  // Retry n waits within [base/2, base], base = 0.5 s * 2^(n-1).
  bool jittered = false;
  for (size_t n = 1; n < 6; ++n) {
    auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(times[n] - times[n - 1]);
    auto base = std::chrono::milliseconds(500 << (n - 1));
    EXPECT_GE(gap, base / 2) << "retry " << n;
    EXPECT_LE(gap, base) << "retry " << n;
    jittered = jittered || gap != base;
  }
  EXPECT_TRUE(jittered);
}

TEST_F(MetricStoreFaultsTest, FullDiskResumesByItselfOnceSpaceIsFree) {
  Reopen(Options());
  ASSERT_TRUE(store_->Append(Steps("a", 0, 10)).ok());
  wal_faults_.full = true;
  EXPECT_EQ(store_->Append(Steps("a", 10, 20)).code(), Code::kResourceExhausted);
  EXPECT_EQ(store_->Append(Steps("a", 10, 20)).code(), Code::kResourceExhausted);
  EXPECT_TRUE(store_->Health().ok());  // It will resume: no restart wanted.
  wal_faults_.full = false;
  ASSERT_TRUE(store_->Append(Steps("a", 10, 20)).ok());
  EXPECT_EQ(Count("a"), 20u);
  ASSERT_TRUE(store_->Compact().ok());
  Reopen(Options());
  EXPECT_EQ(Count("a"), 20u);
}

TEST_F(MetricStoreFaultsTest, FailedSyncStopsAppendsAndFailsHealth) {
  Reopen(Options());
  ASSERT_TRUE(store_->Append(Steps("a", 0, 10)).ok());
  wal_faults_.sync_eio = true;
  EXPECT_EQ(store_->Append(Steps("a", 10, 20)).code(), Code::kIoError);
  wal_faults_.sync_eio = false;
  EXPECT_EQ(store_->Append(Steps("a", 10, 20)).code(), Code::kIoError);  // Sticky.
  Status health = store_->Health();
  EXPECT_EQ(health.code(), Code::kIoError);
  EXPECT_NE(health.message().find("restart"), std::string::npos) << health.ToString();
  EXPECT_EQ(Count("a"), 10u);
}

}  // namespace
}  // namespace runledger::store
