#include "store/wal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "store/posix_file.h"
#include "test_util.h"

namespace runledger::store {
namespace {

using testing::TempDir;

// A segment file that counts syncs and can be told to fail.
struct FaultState {
  std::atomic<int> syncs{0};
  std::atomic<int> appends{0};
  std::atomic<bool> fail_sync{false};
  std::atomic<bool> fail_append{false};  // Out of space: writes half, then fails.
  std::atomic<bool> hold{false};         // Append waits while set.
  std::mutex mu;
  std::vector<size_t> append_sizes;  // Guarded by mu.
};

class FaultyFile final : public WalFile {
 public:
  FaultyFile(std::unique_ptr<WalFile> real, FaultState* state)
      : real_(std::move(real)), st_(state) {}
  Status Append(std::string_view data) override {
    {
      std::lock_guard lock(st_->mu);
      st_->append_sizes.push_back(data.size());
    }
    ++st_->appends;
    while (st_->hold) std::this_thread::yield();
    if (st_->fail_append) {
      // As a real ENOSPC may: part of the group reaches the file first.
      RETURN_IF_ERROR(real_->Append(data.substr(0, data.size() / 2)));
      return Status(Code::kResourceExhausted, "out of space: injected");
    }
    return real_->Append(data);
  }
  Status Sync() override {
    ++st_->syncs;
    if (st_->fail_sync) return IoError("fdatasync: injected EIO");
    return real_->Sync();
  }
  Status Truncate(uint64_t size) override { return real_->Truncate(size); }

 private:
  std::unique_ptr<WalFile> real_;
  FaultState* st_;
};

WalOptions Faulty(const std::string& dir, FaultState* st, uint64_t segment_bytes = 1 << 20) {
  WalOptions o{.dir = dir, .segment_bytes = segment_bytes};
  auto real = PosixWalFileFactory();
  o.create_file = [real, st](const std::string& path) -> Result<std::unique_ptr<WalFile>> {
    ASSIGN_OR_RETURN(auto f, real(path));
    return std::unique_ptr<WalFile>(new FaultyFile(std::move(f), st));
  };
  return o;
}

std::vector<std::pair<uint64_t, std::string>> Replay(const std::string& dir,
                                                     Result<WalRecovery>* rec,
                                                     uint64_t first_live = 1) {
  std::vector<std::pair<uint64_t, std::string>> out;
  *rec = RecoverWal(dir, first_live, [&](uint64_t seq, std::string_view p) {
    out.emplace_back(seq, std::string(p));
    return Status::Ok();
  });
  return out;
}

const std::function<void(uint64_t)> kNoop = [](uint64_t) {};

TEST(WalTest, AppendedRecordsAreReplayedInOrder) {
  TempDir dir;
  {
    auto wal = Wal::Open({.dir = dir.path()}, 1);
    ASSERT_TRUE(wal.ok()) << wal.status().ToString();
    for (int i = 0; i < 100; ++i)
      ASSERT_TRUE((*wal)->Append("rec" + std::to_string(i), kNoop).ok());
  }
  Result<WalRecovery> rec = WalRecovery{};
  auto got = Replay(dir.path(), &rec);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got[42].second, "rec42");
  EXPECT_EQ(rec->next_sequence, 2u);
}

TEST(WalTest, ConcurrentAppendersShareSyncs) {
  TempDir dir;
  FaultState st;
  auto wal = Wal::Open(Faulty(dir.path(), &st), 1);
  ASSERT_TRUE(wal.ok());
  constexpr int kThreads = 16, kPerThread = 50;
  std::atomic<int> durable{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::function<void(uint64_t)> on = [&](uint64_t) { ++durable; };
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE((*wal)->Append("t" + std::to_string(t) + "-" + std::to_string(i), on).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(durable.load(), kThreads * kPerThread);
  EXPECT_LT(st.syncs.load(), kThreads * kPerThread);  // Group commit shared some syncs.
  Result<WalRecovery> rec = WalRecovery{};
  EXPECT_EQ(Replay(dir.path(), &rec).size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(WalTest, OnDurableRunsAfterSync) {
  TempDir dir;
  FaultState st;
  auto wal = Wal::Open(Faulty(dir.path(), &st), 1);
  ASSERT_TRUE(wal.ok());
  int syncs_seen = -1;
  std::function<void(uint64_t)> on = [&](uint64_t) { syncs_seen = st.syncs.load(); };
  ASSERT_TRUE((*wal)->Append("x", on).ok());
  EXPECT_EQ(syncs_seen, 1);
}

TEST(WalTest, FailedSyncPoisonsLogWithSameError) {
  TempDir dir;
  FaultState st;
  auto wal = Wal::Open(Faulty(dir.path(), &st), 1);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Append("ok", kNoop).ok());
  st.fail_sync = true;
  bool applied = false;
  std::function<void(uint64_t)> on = [&](uint64_t) { applied = true; };
  Status first = (*wal)->Append("lost?", on);
  EXPECT_EQ(first.code(), Code::kIoError);
  EXPECT_FALSE(applied);  // Never acknowledged.
  st.fail_sync = false;   // Even if the disk recovers, no retry hides the loss.
  int syncs = st.syncs.load();
  Status again = (*wal)->Append("later", kNoop);
  EXPECT_EQ(again.ToString(), first.ToString());
  EXPECT_EQ(st.syncs.load(), syncs);
  EXPECT_EQ((*wal)->error().ToString(), first.ToString());
}

TEST(WalTest, OutOfSpaceResumesInFreshSegmentOnceSpaceIsFree) {
  TempDir dir;
  FaultState st;
  WalOptions o = Faulty(dir.path(), &st);
  std::vector<uint64_t> sealed;
  o.on_seal = [&](uint64_t s) { sealed.push_back(s); };
  auto wal = Wal::Open(o, 1);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Append("acked-1", kNoop).ok());
  ASSERT_TRUE((*wal)->Append("acked-2", kNoop).ok());
  st.fail_append = true;
  bool applied = false;
  std::function<void(uint64_t)> on = [&](uint64_t) { applied = true; };
  EXPECT_EQ((*wal)->Append(std::string(3000, 'x'), on).code(), Code::kResourceExhausted);
  EXPECT_EQ((*wal)->Append(std::string(3000, 'y'), on).code(), Code::kResourceExhausted);
  EXPECT_FALSE(applied);   // Never acknowledged.
  st.fail_append = false;  // Space is free again.
  std::vector<uint64_t> segs;
  std::function<void(uint64_t)> seg_of = [&](uint64_t s) { segs.push_back(s); };
  ASSERT_TRUE((*wal)->Append("acked-3", seg_of).ok());
  EXPECT_TRUE((*wal)->error().ok());
  EXPECT_EQ(segs, std::vector<uint64_t>{2});    // A fresh segment...
  EXPECT_EQ(sealed, std::vector<uint64_t>{1});  // ...after sealing the cut-back one.
  wal->reset();
  Result<WalRecovery> rec = WalRecovery{};
  auto got = Replay(dir.path(), &rec);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->truncated_bytes, 0u);
  std::vector<std::pair<uint64_t, std::string>> want = {
      {1, "acked-1"}, {1, "acked-2"}, {2, "acked-3"}};
  EXPECT_EQ(got, want);
}

TEST(WalTest, RetriesOnFullDiskMakeNoNewSegments) {
  TempDir dir;
  FaultState st;
  auto wal = Wal::Open(Faulty(dir.path(), &st), 1);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Append("acked", kNoop).ok());
  st.fail_append = true;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ((*wal)->Append("retry", kNoop).code(), Code::kResourceExhausted);
  }
  st.fail_append = false;
  ASSERT_TRUE((*wal)->Append("after", kNoop).ok());
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    files += e.is_regular_file();
  EXPECT_EQ(files, 2u);
}

TEST(WalTest, SmallFirstRecordCapsItsGroup) {
  TempDir dir;
  FaultState st;
  auto wal = Wal::Open(Faulty(dir.path(), &st), 1);
  ASSERT_TRUE(wal.ok());
  auto wait_for = [](const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    return done();
  };
  st.hold = true;  // The first leader stops inside its write.
  std::vector<std::thread> threads;
  threads.emplace_back([&] { EXPECT_TRUE((*wal)->Append("first", kNoop).ok()); });
  ASSERT_TRUE(wait_for([&] { return st.appends.load() == 1; }));
  // Behind it: one small record, then four of 200 KiB.
  threads.emplace_back([&] { EXPECT_TRUE((*wal)->Append(std::string(100, 's'), kNoop).ok()); });
  ASSERT_TRUE(wait_for([&] { return (*wal)->QueueLength() == 2; }));
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back(
        [&] { EXPECT_TRUE((*wal)->Append(std::string(200 << 10, 'b'), kNoop).ok()); });
  }
  ASSERT_TRUE(wait_for([&] { return (*wal)->QueueLength() == 6; }));
  st.hold = false;
  for (auto& t : threads) t.join();
  std::lock_guard lock(st.mu);
  // The small record's group is capped at its size + 128 KiB, so it is
  // written alone; the big ones go together (at most 1 MiB).
  ASSERT_EQ(st.append_sizes.size(), 3u);
  EXPECT_LT(st.append_sizes[1], 1024u);
  EXPECT_GT(st.append_sizes[2], 800u << 10);
}

TEST(WalTest, GroupLimitFollowsFirstRecordSize) {
  EXPECT_EQ(Wal::GroupLimit(100), 100u + (128u << 10));
  EXPECT_EQ(Wal::GroupLimit(128u << 10), 256u << 10);
  EXPECT_EQ(Wal::GroupLimit((128u << 10) + 1), 1u << 20);
  EXPECT_EQ(Wal::GroupLimit(8u << 20), 1u << 20);  // The first record always goes in.
}

TEST(WalTest, SegmentsRotateAtSizeAndCallOnSeal) {
  TempDir dir;
  std::vector<uint64_t> sealed;
  WalOptions o{.dir = dir.path(), .segment_bytes = 4096};
  o.on_seal = [&](uint64_t s) { sealed.push_back(s); };
  auto wal = Wal::Open(o, 5);
  ASSERT_TRUE(wal.ok());
  std::vector<uint64_t> segs;
  std::function<void(uint64_t)> on = [&](uint64_t s) { segs.push_back(s); };
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*wal)->Append(std::string(1000, 'a' + i), on).ok());
  EXPECT_EQ(segs.front(), 5u);
  EXPECT_GT(segs.back(), 5u);
  EXPECT_FALSE(sealed.empty());
  EXPECT_EQ(sealed.front(), 5u);
  Result<WalRecovery> rec = WalRecovery{};
  auto got = Replay(dir.path(), &rec);
  ASSERT_EQ(got.size(), 20u);
  EXPECT_EQ(got[19].first, segs.back());
}

TEST(WalTest, RotateOfEmptySegmentReturnsZero) {
  TempDir dir;
  auto wal = Wal::Open({.dir = dir.path()}, 1);
  ASSERT_TRUE(wal.ok());
  auto r = (*wal)->Rotate();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 0u);
  ASSERT_TRUE((*wal)->Append("x", kNoop).ok());
  r = (*wal)->Rotate();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 1u);
}

TEST(WalTest, RecoveryTruncatesTornTailOfLastSegment) {
  TempDir dir;
  {
    auto wal = Wal::Open({.dir = dir.path()}, 1);
    ASSERT_TRUE(wal.ok());
    ASSERT_TRUE((*wal)->Append("keep", kNoop).ok());
    ASSERT_TRUE((*wal)->Append(std::string(500, 'z'), kNoop).ok());
  }
  std::string path = dir.path() + "/" + SegmentFileName(1);
  auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 100);
  Result<WalRecovery> rec = WalRecovery{};
  auto got = Replay(dir.path(), &rec);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, "keep");
  EXPECT_EQ(rec->truncated_bytes, size - 100 - (4 + 7));
  EXPECT_EQ(std::filesystem::file_size(path), 4u + 7u);  // Truncated on disk.
}

TEST(WalTest, CorruptRecordNamesSegmentAndOffset) {
  TempDir dir;
  {
    auto wal = Wal::Open({.dir = dir.path()}, 3);
    ASSERT_TRUE(wal.ok());
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE((*wal)->Append("record" + std::to_string(i), kNoop).ok());
  }
  std::string path = dir.path() + "/" + SegmentFileName(3);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(14 + 9);  // Inside record1's payload (record0 is 7 + 7 bytes).
    f.put('X');
  }
  Result<WalRecovery> rec = WalRecovery{};
  Replay(dir.path(), &rec);
  ASSERT_FALSE(rec.ok());
  EXPECT_EQ(rec.status().code(), Code::kCorruption);
  EXPECT_NE(rec.status().message().find("0000000000000003.wal"), std::string::npos);
  EXPECT_NE(rec.status().message().find("offset 14"), std::string::npos) << rec.status().ToString();
}

TEST(WalTest, TornTailInEarlierSegmentIsCorruption) {
  TempDir dir;
  {
    WalOptions o{.dir = dir.path(), .segment_bytes = 100};
    auto wal = Wal::Open(o, 1);
    ASSERT_TRUE(wal.ok());
    for (int i = 0; i < 4; ++i) ASSERT_TRUE((*wal)->Append(std::string(200, 'q'), kNoop).ok());
  }
  std::string path = dir.path() + "/" + SegmentFileName(1);
  std::filesystem::resize_file(path, 50);
  Result<WalRecovery> rec = WalRecovery{};
  Replay(dir.path(), &rec);
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.status().message().find("not the last"), std::string::npos);
}

TEST(WalTest, RecoveryDeletesSegmentsBelowFirstLive) {
  TempDir dir;
  {
    WalOptions o{.dir = dir.path(), .segment_bytes = 100};
    auto wal = Wal::Open(o, 1);
    ASSERT_TRUE(wal.ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*wal)->Append(std::string(200, 'q'), kNoop).ok());
  }
  Result<WalRecovery> rec = WalRecovery{};
  auto got = Replay(dir.path(), &rec, /*first_live=*/3);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(got.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/" + SegmentFileName(1)));
  EXPECT_EQ(rec->next_sequence, 4u);
}

}  // namespace
}  // namespace runledger::store
