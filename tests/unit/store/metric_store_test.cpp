#include "store/metric_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <random>
#include <thread>

#include "store/file_object_store.h"
#include "test_util.h"

namespace runledger::store {
namespace {

using testing::TempDir;

class MetricStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = ObjectStore::Open("file://" + dir_.path() + "/objects");
    ASSERT_TRUE(s.ok());
    objects_ = std::move(*s);
    Reopen();
  }
  MetricStoreOptions Options() {
    return MetricStoreOptions{.wal_dir = dir_.path() + "/wal",
                              .objects = objects_.get(),
                              .segment_bytes = 1 << 20,
                              .background_compaction = false,
                              .clock = &clock_};
  }
  void Reopen() {
    store_.reset();
    auto s = MetricStore::Open(Options());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  static Batch Steps(const std::string& run, const std::string& key, int from, int to,
                     std::string id = "") {
    Batch b{run, std::move(id), {}};
    for (int i = from; i < to; ++i) b.points.push_back(Point{key, i * 0.5, 1000 + i, i});
    return b;
  }
  std::vector<Sample> All(const std::string& run, const std::string& key) {
    auto page = store_->History({.run_id = run, .key = key, .max_results = 1 << 30});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->samples : std::vector<Sample>{};
  }

  FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<ObjectStore> objects_;
  std::unique_ptr<MetricStore> store_;
};

TEST_F(MetricStoreTest, AppendThenHistoryInStepOrder) {
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 5, 10)).ok());
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 5)).ok());
  auto got = All("r", "loss");
  ASSERT_EQ(got.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(got[i].step, i);
  EXPECT_TRUE(All("r", "other").empty());
  EXPECT_TRUE(All("unknown-run", "loss").empty());
}

TEST_F(MetricStoreTest, HistoryMergesChunksAndLogTailExactlyOnce) {
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 100)).ok());
  ASSERT_TRUE(store_->Compact().ok());
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 100, 150)).ok());
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 50, 51)).ok());  // A repeated step.
  auto got = All("r", "loss");
  ASSERT_EQ(got.size(), 151u);
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end(), HistoryLess));
  EXPECT_EQ(store_->stats().compactions, 1u);
}

TEST_F(MetricStoreTest, HistoryPagesAndStepRange) {
  ASSERT_TRUE(store_->Append(Steps("r", "k", 0, 100)).ok());
  ASSERT_TRUE(store_->Compact().ok());
  ASSERT_TRUE(store_->Append(Steps("r", "k", 100, 200)).ok());
  HistoryRequest req{.run_id = "r", .key = "k", .min_step = 50, .max_step = 149, .max_results = 30};
  std::vector<Sample> got;
  int pages = 0;
  while (true) {
    auto page = store_->History(req);
    ASSERT_TRUE(page.ok());
    ++pages;
    got.insert(got.end(), page->samples.begin(), page->samples.end());
    if (page->next_page_token.empty()) break;
    req.page_token = page->next_page_token;
  }
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got.front().step, 50);
  EXPECT_EQ(got.back().step, 149);
  EXPECT_EQ(pages, 4);
}

TEST_F(MetricStoreTest, PagesSplitRunsOfIdenticalSamples) {
  Batch b{"r", "", {}};
  for (int i = 0; i < 7; ++i) b.points.push_back(Point{"k", 1.0, 5, 3});
  ASSERT_TRUE(store_->Append(b).ok());
  HistoryRequest req{.run_id = "r", .key = "k", .max_results = 3};
  size_t total = 0;
  while (true) {
    auto page = store_->History(req);
    ASSERT_TRUE(page.ok());
    total += page->samples.size();
    if (page->next_page_token.empty()) break;
    req.page_token = page->next_page_token;
  }
  EXPECT_EQ(total, 7u);
}

TEST_F(MetricStoreTest, SmallPagesOverOverlappingChunksMatchOneBigRead) {
  std::mt19937 rng(3);
  for (int b = 0; b < 12; ++b) {
    Batch batch{"r", "", {}};
    for (int i = 0; i < 40; ++i) {
      int64_t step = std::uniform_int_distribution<int64_t>(0, 60)(rng);  // Overlapping, repeated.
      batch.points.push_back(
          Point{"k", static_cast<double>(rng() % 3), 100 + static_cast<int64_t>(rng() % 2), step});
    }
    ASSERT_TRUE(store_->Append(batch).ok());
    if (b % 3 == 2) {
      ASSERT_TRUE(store_->Compact().ok());
    }
  }
  std::vector<Sample> whole = All("r", "k");
  ASSERT_EQ(whole.size(), 480u);
  for (size_t page_size : {1u, 7u, 50u}) {
    HistoryRequest req{.run_id = "r", .key = "k", .max_results = page_size};
    std::vector<Sample> paged;
    while (true) {
      auto page = store_->History(req);
      ASSERT_TRUE(page.ok());
      paged.insert(paged.end(), page->samples.begin(), page->samples.end());
      if (page->next_page_token.empty()) break;
      req.page_token = page->next_page_token;
    }
    EXPECT_EQ(paged, whole) << "page size " << page_size;
  }
}

TEST_F(MetricStoreTest, MalformedPageTokenIsInvalidArgument) {
  auto page = store_->History({.run_id = "r", .key = "k", .page_token = "garbage"});
  EXPECT_EQ(page.status().code(), Code::kInvalidArgument);
}

TEST_F(MetricStoreTest, LatestFollowsMlflowRuleAcrossChunksAndTail) {
  Batch b{"r", "", {{"loss", 0.9, 100, 10}, {"loss", 0.1, 50, 5}, {"acc", 0.5, 10, 1}}};
  ASSERT_TRUE(store_->Append(b).ok());
  ASSERT_TRUE(store_->Compact().ok());
  // Same step, later timestamp wins; then larger value at equal timestamp.
  Batch c{"r", "", {{"loss", 0.3, 200, 10}, {"acc", 0.7, 10, 1}, {"acc", 0.6, 10, 1}}};
  ASSERT_TRUE(store_->Append(c).ok());
  auto latest = store_->Latest("r");
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->size(), 2u);
  EXPECT_EQ((*latest)[0], (Point{"acc", 0.7, 10, 1}));
  EXPECT_EQ((*latest)[1], (Point{"loss", 0.3, 200, 10}));
}

TEST_F(MetricStoreTest, SummariesAreBoundedAndMerged) {
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 100)).ok());
  ASSERT_TRUE(store_->Compact().ok());
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 100, 120)).ok());
  auto sums = store_->Summaries("r");
  ASSERT_TRUE(sums.ok());
  const Summary& s = sums->at("loss");
  EXPECT_EQ(s.count, 120u);
  EXPECT_EQ(s.min, 0.0);
  EXPECT_EQ(s.max, 119 * 0.5);
  EXPECT_EQ(s.first_step, 0);
  EXPECT_EQ(s.last_step, 119);
  EXPECT_EQ(s.last.step, 119);
}

TEST_F(MetricStoreTest, NanAndInfinitySurviveCompactionBitForBit) {
  const double nan_payload = std::bit_cast<double>(uint64_t{0x7ff8000000000abc});
  Batch b{"r",
          "",
          {{"v", nan_payload, 1, 1},
           {"v", std::numeric_limits<double>::infinity(), 2, 2},
           {"v", -std::numeric_limits<double>::infinity(), 3, 3}}};
  ASSERT_TRUE(store_->Append(b).ok());
  ASSERT_TRUE(store_->Compact().ok());
  Reopen();
  auto got = All("r", "v");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(std::bit_cast<uint64_t>(got[0].value), 0x7ff8000000000abcu);
  EXPECT_EQ(got[1].value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(got[2].value, -std::numeric_limits<double>::infinity());
}

TEST_F(MetricStoreTest, ReopenReplaysLogTail) {
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 50)).ok());
  ASSERT_TRUE(store_->Compact().ok());
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 50, 80)).ok());
  Reopen();
  EXPECT_EQ(All("r", "loss").size(), 80u);
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 80, 90)).ok());  // Still works.
  EXPECT_EQ(All("r", "loss").size(), 90u);
}

TEST_F(MetricStoreTest, RetriedBatchIdIsStoredOnce) {
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 10, "req-1")).ok());
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 10, "req-1")).ok());
  EXPECT_EQ(All("r", "loss").size(), 10u);
  EXPECT_EQ(store_->stats().duplicate_batches, 1u);
  // The same id in another run is another batch.
  ASSERT_TRUE(store_->Append(Steps("r2", "loss", 0, 10, "req-1")).ok());
  EXPECT_EQ(All("r2", "loss").size(), 10u);
}

TEST_F(MetricStoreTest, RetriedBatchIdIsStoredOnceAfterRestart) {
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 10, "from-wal")).ok());
  Reopen();  // The id is re-learnt from the WAL.
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 10, "from-wal")).ok());
  ASSERT_TRUE(store_->Compact().ok());
  Reopen();  // Now from the manifest: the segment is gone.
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 10, "from-wal")).ok());
  EXPECT_EQ(All("r", "loss").size(), 10u);
}

TEST_F(MetricStoreTest, ReusedIdWithDifferentPointsIsRefused) {
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 10, "id")).ok());
  EXPECT_EQ(store_->Append(Steps("r", "loss", 0, 11, "id")).code(), Code::kInvalidArgument);
}

TEST_F(MetricStoreTest, IdsOlderThanWindowAreForgotten) {
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 10, "old")).ok());
  clock_.Advance(std::chrono::hours(2));
  ASSERT_TRUE(store_->Append(Steps("r", "x", 0, 1, "other")).ok());  // Triggers expiry.
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 10, "old")).ok());
  EXPECT_EQ(All("r", "loss").size(), 20u);
}

TEST_F(MetricStoreTest, CrashBetweenManifestAndSegmentDeleteReadsOnce) {
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 40)).ok());
  std::string wal = dir_.path() + "/wal";
  std::string saved = dir_.path() + "/saved";
  std::filesystem::copy(wal, saved);
  ASSERT_TRUE(store_->Compact().ok());
  store_.reset();
  // Put the compacted segment back, as if the process died before deleting it.
  std::filesystem::copy(
      saved, wal,
      std::filesystem::copy_options::overwrite_existing | std::filesystem::copy_options::recursive);
  ASSERT_TRUE(std::filesystem::exists(wal + "/" + SegmentFileName(1)));
  Reopen();
  EXPECT_EQ(All("r", "loss").size(), 40u);
  EXPECT_EQ(store_->Summaries("r")->at("loss").count, 40u);
}

TEST_F(MetricStoreTest, CrashBeforeManifestLeavesOrphanChunksUnread) {
  ASSERT_TRUE(store_->Append(Steps("r", "loss", 0, 40)).ok());
  std::string manifest = dir_.path() + "/objects/metrics/MANIFEST";
  std::string wal = dir_.path() + "/wal";
  std::string saved = dir_.path() + "/saved";
  std::filesystem::copy(wal, saved);
  ASSERT_TRUE(store_->Compact().ok());
  store_.reset();
  // Undo the manifest and the delete: only the chunk object remains.
  std::filesystem::remove(manifest);
  std::filesystem::copy(
      saved, wal,
      std::filesystem::copy_options::overwrite_existing | std::filesystem::copy_options::recursive);
  Reopen();
  EXPECT_EQ(All("r", "loss").size(), 40u);
  ASSERT_TRUE(store_->Compact().ok());
  EXPECT_EQ(All("r", "loss").size(), 40u);
}

TEST_F(MetricStoreTest, SegmentsSealedBySizeAreCompactedInBackground) {
  store_.reset();
  auto opts = Options();
  opts.segment_bytes = 64 << 10;
  opts.background_compaction = true;
  auto s = MetricStore::Open(opts);
  ASSERT_TRUE(s.ok());
  store_ = std::move(*s);
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(store_->Append(Steps("r", "loss", i * 1000, i * 1000 + 1000)).ok());
  // Poll with a generous deadline: each compaction fsyncs several files,
  // which can take tens of milliseconds on a busy machine.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (store_->stats().sealed_segments_waiting > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(store_->stats().sealed_segments_waiting, 0u);
  EXPECT_GT(store_->stats().compactions, 0u);
  EXPECT_EQ(All("r", "loss").size(), 40000u);
}

TEST_F(MetricStoreTest, ConcurrentAppendersAndReadersSeeEachPointOnce) {
  constexpr int kThreads = 8, kBatches = 20, kPerBatch = 100;
  std::vector<std::thread> threads;
  std::atomic<bool> done{false};
  // Every step is written once, so a reader that meets a step twice (a
  // segment read both as its table and as chunks mid-compaction) or sees the
  // count shrink has caught a bug.
  std::thread reader([&] {
    size_t seen = 0;
    while (!done) {
      auto page = store_->History({.run_id = "r0", .key = "k", .max_results = 1 << 30});
      ASSERT_TRUE(page.ok());
      const auto& samples = page->samples;
      for (size_t i = 1; i < samples.size(); ++i) {
        ASSERT_LT(samples[i - 1].step, samples[i].step) << "step repeated or out of order";
      }
      ASSERT_GE(samples.size(), seen);
      seen = samples.size();
    }
  });
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        const int from = (t * kBatches + b) * kPerBatch;
        EXPECT_TRUE(
            store_->Append(Steps("r" + std::to_string(t % 2), "k", from, from + kPerBatch)).ok());
        if (t == 0 && b % 5 == 0) {
          EXPECT_TRUE(store_->Compact().ok());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  reader.join();
  EXPECT_EQ(All("r0", "k").size() + All("r1", "k").size(), size_t{kThreads * kBatches * kPerBatch});
}

TEST_F(MetricStoreTest, InvalidBatchIsRefusedBeforeTheLog) {
  EXPECT_EQ(store_->Append(Batch{"", "", {{"k", 1, 1, 1}}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->Append(Batch{"r", "", {{"", 1, 1, 1}}}).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace runledger::store
