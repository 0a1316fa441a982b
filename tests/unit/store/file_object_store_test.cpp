#include "store/file_object_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "store/s3_object_store.h"
#include "test_util.h"

namespace runledger::store {
namespace {

using testing::TempDir;

class FileObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = ObjectStore::Open("file://" + dir_.path() + "/root");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST(ObjectStoreOpenTest, RejectsRelativeAndUnknownSchemes) {
  EXPECT_EQ(ObjectStore::Open("file://relative/path").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ObjectStore::Open("ftp://x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ObjectStore::Open("s3://Bad_Bucket/p").status().code(), Code::kInvalidArgument);
}

TEST(ObjectStoreOpenTest, S3WithoutCredentialsSaysWhichAreMissing) {
  S3StoreSettings settings;
  settings.credentials = [] { return CredentialsFromEnvironment(); };
  const char* saved = std::getenv("AWS_ACCESS_KEY_ID");
  if (saved != nullptr) GTEST_SKIP() << "AWS_ACCESS_KEY_ID is set in this environment";
  auto s = ObjectStore::Open("s3://bucket/p", &settings);
  EXPECT_EQ(s.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos)
      << s.status().message();
}

TEST(ObjectStoreOpenTest, S3OpensWithoutTouchingTheNetwork) {
  S3StoreSettings settings;
  settings.connection.endpoint = "http://127.0.0.1:9";  // discard: nothing listens
  settings.credentials = [] { return Result<s3::Credentials>(s3::Credentials{"k", "s", {}}); };
  auto s = ObjectStore::Open("s3://bucket/p", &settings);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
}

TEST(ValidateKeyTest, AcceptsOrdinaryKeys) {
  for (const char* k : {"a", "a/b/c.rlc", "metrics/runs/x%2F/0001.rlc", "..a", "a..b/c"}) {
    EXPECT_TRUE(ValidateKey(k).ok()) << k;
  }
}

TEST(ValidateKeyTest, RejectsEscapesWithClearMessage) {
  struct Case {
    const char* key;
    const char* says;
  };
  for (const Case& c :
       {Case{"", "empty"}, Case{"../x", "escape"}, Case{"a/../../x", "escape"},
        Case{"/etc/passwd", "absolute"}, Case{"a//b", "empty path segment"}, Case{"a/", "trailing"},
        Case{"./a", "\".\""}, Case{"a\\b", "backslash"}, Case{".rl-tmp/x", "reserved"}}) {
    Status s = ValidateKey(c.key);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << c.key;
    EXPECT_NE(s.message().find(c.says), std::string::npos) << c.key << ": " << s.message();
  }
  EXPECT_EQ(ValidateKey(std::string(1025, 'a')).code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateKey(std::string("a\0b", 3)).code(), Code::kInvalidArgument);
}

TEST_F(FileObjectStoreTest, EveryOperationValidatesKeys) {
  StringReader r("x");
  EXPECT_EQ(store_->Put("../escape", r).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->Get("../escape").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->Head("/abs").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->Delete("a/../../b").code(), Code::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/escape"));
}

TEST_F(FileObjectStoreTest, PutGetRoundTripAndOverwrite) {
  ASSERT_TRUE(store_->PutString("a/b/obj", "hello").ok());
  EXPECT_EQ(*store_->GetString("a/b/obj"), "hello");
  ASSERT_TRUE(store_->PutString("a/b/obj", "world!").ok());
  EXPECT_EQ(*store_->GetString("a/b/obj"), "world!");
  EXPECT_EQ(store_->GetString("a/b/none").status().code(), Code::kNotFound);
}

TEST_F(FileObjectStoreTest, PutLeavesNoTemporaryFiles) {
  ASSERT_TRUE(store_->PutString("k", std::string(3 << 20, 'z')).ok());  // Several reads.
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() + "/root/.rl-tmp"));
}

TEST_F(FileObjectStoreTest, GetByteRanges) {
  ASSERT_TRUE(store_->PutString("r", "0123456789").ok());
  auto read = [&](ByteRange range) { return *ReadAll(**store_->Get("r", range)); };
  EXPECT_EQ(read({2, 3}), "234");
  EXPECT_EQ(read({7, std::nullopt}), "789");
  EXPECT_EQ(read({8, 100}), "89");
  EXPECT_EQ(store_->Get("r", ByteRange{10, 1}).status().code(), Code::kInvalidArgument);
}

TEST_F(FileObjectStoreTest, HeadGivesSizeTimeAndSha256) {
  ASSERT_TRUE(store_->PutString("h", "abc").ok());
  auto info = store_->Head("h");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 3u);
  EXPECT_EQ(info->sha256_hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_GT(info->modified.time_since_epoch().count(), 0);
  EXPECT_EQ(store_->Head("missing").status().code(), Code::kNotFound);
}

TEST_F(FileObjectStoreTest, DeleteMissingIsSuccessAndPrunesEmptyDirs) {
  EXPECT_TRUE(store_->Delete("never/was").ok());
  ASSERT_TRUE(store_->PutString("d/e/f", "1").ok());
  ASSERT_TRUE(store_->Delete("d/e/f").ok());
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/root/d"));
  ASSERT_TRUE(store_->PutString("m1", "1").ok());
  ASSERT_TRUE(store_->PutString("m2", "2").ok());
  std::vector<std::string> keys = {"m1", "m2", "m3"};
  EXPECT_TRUE(store_->DeleteMany(keys).ok());
  EXPECT_EQ(store_->Head("m1").status().code(), Code::kNotFound);
}

TEST_F(FileObjectStoreTest, CopyDuplicatesObject) {
  ASSERT_TRUE(store_->PutString("src", "payload").ok());
  ASSERT_TRUE(store_->Copy("src", "dst/x").ok());
  EXPECT_EQ(*store_->GetString("dst/x"), "payload");
  EXPECT_EQ(store_->Copy("nope", "y").code(), Code::kNotFound);
}

TEST_F(FileObjectStoreTest, KeyUnderAnObjectIsFailedPrecondition) {
  ASSERT_TRUE(store_->PutString("file", "1").ok());
  EXPECT_EQ(store_->PutString("file/child", "2").code(), Code::kFailedPrecondition);
  ASSERT_TRUE(store_->PutString("dir/child", "2").ok());
  EXPECT_EQ(store_->PutString("dir", "3").code(), Code::kFailedPrecondition);
}

TEST_F(FileObjectStoreTest, ListPaginatesInKeyOrder) {
  for (const char* k : {"p/c", "p/a", "p/b", "p/d", "q/z", "pa"})
    ASSERT_TRUE(store_->PutString(k, "x").ok());
  std::vector<std::string> got;
  ListRequest req{.prefix = "p/", .max_keys = 3};
  int pages = 0;
  while (true) {
    auto page = store_->List(req);
    ASSERT_TRUE(page.ok());
    ++pages;
    for (const auto& o : page->objects) got.push_back(o.key);
    if (page->next_continuation_token.empty()) break;
    req.continuation_token = page->next_continuation_token;
  }
  EXPECT_EQ(got, (std::vector<std::string>{"p/a", "p/b", "p/c", "p/d"}));
  EXPECT_EQ(pages, 2);
}

TEST_F(FileObjectStoreTest, ListGroupsByDelimiterAcrossPages) {
  for (const char* k : {"r/1/a", "r/1/b", "r/2/a", "r/3", "r/4/x/y"}) {
    ASSERT_TRUE(store_->PutString(k, "x").ok());
  }
  std::vector<std::string> objects, prefixes;
  ListRequest req{.prefix = "r/", .delimiter = "/", .max_keys = 1};
  for (int i = 0; i < 10; ++i) {
    auto page = store_->List(req);
    ASSERT_TRUE(page.ok());
    for (const auto& o : page->objects) objects.push_back(o.key);
    for (const auto& p : page->common_prefixes) prefixes.push_back(p);
    if (page->next_continuation_token.empty()) break;
    req.continuation_token = page->next_continuation_token;
  }
  EXPECT_EQ(objects, (std::vector<std::string>{"r/3"}));
  EXPECT_EQ(prefixes, (std::vector<std::string>{"r/1/", "r/2/", "r/4/"}));
}

TEST_F(FileObjectStoreTest, ConcurrentPutsAndDeletesInOnePrefixAllSucceed) {
  // Each thread puts and deletes its own keys, all in one directory, so
  // every Delete empties it and removes it while other Puts make it again.
  constexpr int kThreads = 4, kRounds = 100;
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        std::string key = "p/shared/k" + std::to_string(t) + "-" + std::to_string(i);
        Status put = store_->PutString(key, "v");
        Status del = store_->Delete(key);
        for (const Status& s : {put, del}) {
          if (s.ok()) continue;
          std::lock_guard lock(mu);
          if (failures++ == 0) first_failure = s.ToString();
        }
      }
      EXPECT_TRUE(store_->PutString("p/shared/last" + std::to_string(t), "v").ok());
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  auto page = store_->List({.prefix = "p/"});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->objects.size(), static_cast<size_t>(kThreads));
}

}  // namespace
}  // namespace runledger::store
