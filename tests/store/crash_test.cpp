// Crash safety and disk trouble, for real: a child process (store_child)
// appends and reports acknowledgements through a pipe; we SIGKILL it at
// random moments or cap its file size, then reopen the store and check
// that every acknowledged point is present exactly once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "../unit/store/test_util.h"
#include "child_batches.h"
#include "store/file_object_store.h"

namespace runledger::store {
namespace {

using testing::TempDir;

struct Child {
  pid_t pid = -1;
  int out = -1;  // Read end of the child's stdout.
};

Child Spawn(const std::vector<std::string>& args) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return Child{pid, fds[0]};
}

// Reads what the child wrote, waiting at most `for_ms` (or to EOF if < 0).
std::string ReadFor(int fd, int for_ms) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(for_ms);
  char buf[4096];
  while (true) {
    int wait = -1;
    if (for_ms >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) break;
      wait = static_cast<int>(left);
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, wait) <= 0) break;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::unique_ptr<MetricStore> OpenStore(const std::string& wal, ObjectStore* objects) {
  auto s = MetricStore::Open({.wal_dir = wal,
                              .objects = objects,
                              .segment_bytes = 48u << 10,
                              .background_compaction = false});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(CrashTest, AcknowledgedPointsSurviveRandomSigkillExactlyOnce) {
  TempDir dir;
  std::string wal = dir.path() + "/wal", objdir = dir.path() + "/objects";
  auto objects = ObjectStore::Open("file://" + objdir);
  ASSERT_TRUE(objects.ok());
  std::mt19937 rng(20240607);
  std::set<uint64_t> acked;
  uint64_t retry_from = 0, retry_to = 0;
  constexpr int kRounds = 25;
  int kills_with_acks = 0;
  for (int round = 0; round < kRounds; ++round) {
    uint64_t start = (round + 1) * 100000ull;
    Child c = Spawn({STORE_CHILD_PATH, "crash", wal, objdir, std::to_string(retry_from),
                     std::to_string(retry_to), std::to_string(start)});
    // Wait for the first acknowledgement (recovery done, appends flowing),
    // then let it run a random while, so every kill lands mid-append.
    std::string out;
    for (int waited = 0; out.find("ack ") == std::string::npos && waited < 20000; waited += 50) {
      out += ReadFor(c.out, 50);
    }
    int run_ms = std::uniform_int_distribution<int>(0, 200)(rng);
    out += ReadFor(c.out, run_ms);
    ::kill(c.pid, SIGKILL);
    out += ReadFor(c.out, -1);  // Acks written before the kill are in the pipe.
    ::close(c.out);
    int status;
    ::waitpid(c.pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early: " << out;
    uint64_t last = start;
    int acks = 0;
    for (const auto& l : Lines(out)) {
      ASSERT_NE(l.rfind("error ", 0), 0u) << l;
      if (l.rfind("ack ", 0) != 0) continue;  // Log lines.
      uint64_t k = std::stoull(l.substr(4));
      acked.insert(k);
      if (k >= start) last = std::max(last, k + 1);
      ++acks;
    }
    if (acks > 0) ++kills_with_acks;
    // The next child retries this round's batches with the same ids, as a
    // client would after a timeout: acknowledged ones must not duplicate.
    retry_from = start;
    retry_to = last + 1;
    auto store = OpenStore(wal, objects->get());
    ASSERT_NE(store, nullptr);
    std::set<uint64_t> present;
    std::string problem = testing::CheckChildData(*store, acked, &present);
    ASSERT_EQ(problem, "") << "after round " << round;
  }
  EXPECT_EQ(kills_with_acks, kRounds);
  EXPECT_GT(acked.size(), 100u);
  // The store keeps working after all that.
  auto store = OpenStore(wal, objects->get());
  ASSERT_TRUE(store->Append(testing::ChildBatch(7)).ok());
  ASSERT_TRUE(store->Compact().ok());
  acked.insert(7);
  std::set<uint64_t> present;
  EXPECT_EQ(testing::CheckChildData(*store, acked, &present), "");
}

TEST(DiskFullTest, FileSizeLimitGivesClearErrorThenResumesOnceSpaceIsFree) {
  TempDir dir;
  std::string wal = dir.path() + "/wal", objdir = dir.path() + "/objects";
  Child c = Spawn({STORE_CHILD_PATH, "fsize", wal, objdir, std::to_string(300 << 10), "1"});
  std::string out = ReadFor(c.out, -1);
  ::close(c.out);
  int status;
  ::waitpid(c.pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "child crashed: " << out;  // No SIGXFSZ, no crash.
  std::set<uint64_t> acked, acked_after_freed;
  std::string error, again, health;
  bool freed = false;
  for (const auto& l : Lines(out)) {
    if (l.rfind("ack ", 0) == 0) {
      uint64_t k = std::stoull(l.substr(4));
      EXPECT_TRUE(acked.insert(k).second) << "acknowledged twice: " << k;
      if (freed) acked_after_freed.insert(k);
    }
    if (l.rfind("error ", 0) == 0) error = l;
    if (l == "freed") freed = true;
    if (l.rfind("again ", 0) == 0) again = l;
    if (l.rfind("health ", 0) == 0) health = l;
  }
  EXPECT_EQ(WEXITSTATUS(status), 0) << again;
  ASSERT_GT(acked.size(), 10u);
  EXPECT_NE(error.find("ResourceExhausted"), std::string::npos) << error;
  EXPECT_NE(error.find("out of space"), std::string::npos) << error;
  EXPECT_NE(error.find(".wal"), std::string::npos) << error;  // Names the file.
  // Once space is free the same store goes on: the refused batch and 20
  // more are acknowledged, with no reopen.
  EXPECT_EQ(again, "");
  EXPECT_EQ(acked_after_freed.size(), 21u);
  EXPECT_EQ(health, "health OK");

  auto objects = ObjectStore::Open("file://" + objdir);
  ASSERT_TRUE(objects.ok());
  auto store = OpenStore(wal, objects->get());
  ASSERT_NE(store, nullptr);
  std::set<uint64_t> present;
  EXPECT_EQ(testing::CheckChildData(*store, acked, &present), "");
  EXPECT_EQ(present, acked);  // The refused group left nothing behind.
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(testing::CheckChildData(*store, acked, &present), "");
}

TEST(DiskFullTest, ObjectStoreFailureFailsCompactionNotAppends) {
  TempDir dir;
  // Replacing the upload directory by a file makes every Put fail.
  std::string objdir = dir.path() + "/objects";
  auto objects = ObjectStore::Open("file://" + objdir);
  ASSERT_TRUE(objects.ok());
  auto store = OpenStore(dir.path() + "/wal", objects->get());
  ASSERT_TRUE(store->Append(testing::ChildBatch(1)).ok());
  std::filesystem::remove_all(objdir + "/.rl-tmp");
  std::ofstream(objdir + "/.rl-tmp") << "blocks temp files";
  Status s = store->Compact();
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(store->Append(testing::ChildBatch(2)).ok());  // The WAL is unaffected.
  std::filesystem::remove(objdir + "/.rl-tmp");
  std::filesystem::create_directory(objdir + "/.rl-tmp");
  ASSERT_TRUE(store->Compact().ok());
  std::set<uint64_t> present;
  EXPECT_EQ(testing::CheckChildData(*store, {1, 2}, &present), "");
}

}  // namespace
}  // namespace runledger::store
