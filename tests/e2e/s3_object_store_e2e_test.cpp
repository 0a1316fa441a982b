// The s3:// object store (store/s3_object_store.h) against real S3 servers
// on loopback: versitygw and moto (S3Server, e2e/s3), each answering as S3
// does, with SigV4 checked against real credentials.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>

#include "s3_fixture.h"
#include "source/dataset.h"
#include "store/metric_store.h"
#include "store/object_stores.h"
#include "store/s3_object_store.h"

namespace runledger::e2e {
namespace {

using store::ListRequest;
using store::ObjectStore;
using store::S3ObjectStore;
using store::S3StoreSettings;
namespace s3 = store::s3;

constexpr size_t kPart = size_t{5} << 20;  // S3's smallest part, so multipart starts early.

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class S3ObjectStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.status().ok()) << server_.status().ToString();
    ASSERT_TRUE(server_.MakeBucket("lake").ok());
    store_ = Open("s3://lake/runs");
  }

  S3StoreSettings Settings(const std::string& secret = "") {
    S3StoreSettings s;
    s.connection.endpoint = server_.endpoint();
    s.part_size = kPart;
    s.max_attempts = 3;
    s3::Credentials c{server_.access_key(), secret.empty() ? server_.secret_key() : secret, {}};
    s.credentials = [c] { return Result<s3::Credentials>(c); };
    return s;
  }
  std::unique_ptr<S3ObjectStore> Open(const std::string& uri, const std::string& secret = "") {
    auto s = S3ObjectStore::Open(uri, Settings(secret));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string Read(ObjectStore& store, const std::string& key,
                   std::optional<store::ByteRange> range = {}) {
    auto r = store.Get(key, range);
    EXPECT_TRUE(r.ok()) << key << ": " << r.status().ToString();
    if (!r.ok()) return "";
    auto all = store::ReadAll(**r);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    return all.ok() ? *all : "";
  }
  std::vector<std::string> AllKeys(ObjectStore& store, const std::string& prefix,
                                   size_t page_size) {
    std::vector<std::string> keys;
    ListRequest req{prefix, "", "", page_size};
    while (true) {
      auto page = store.List(req);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return keys;
      for (auto& o : page->objects) keys.push_back(o.key);
      if (page->next_continuation_token.empty()) return keys;
      req.continuation_token = page->next_continuation_token;
    }
  }

  S3Server server_{GetParam()};
  std::unique_ptr<S3ObjectStore> store_;
};

TEST_P(S3ObjectStoreTest, SmallAndMultipartObjectsRoundTripByteIdentical) {
  const std::string small = RandomBytes(1000, 1);
  const std::string large = RandomBytes(2 * kPart + 12345, 2);  // three parts
  ASSERT_TRUE(store_->PutString("a/small.bin", small).ok());
  ASSERT_TRUE(store_->PutString("a/large.bin", large).ok());
  EXPECT_EQ(Read(*store_, "a/small.bin"), small);
  EXPECT_EQ(Read(*store_, "a/large.bin"), large);

  auto head = store_->Head("a/large.bin");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, large.size());
  EXPECT_TRUE(head->etag.ends_with("-3")) << "a multipart ETag names its parts: " << head->etag;
  auto small_head = store_->Head("a/small.bin");
  ASSERT_TRUE(small_head.ok());
  EXPECT_EQ(small_head->sha256_hex, s3::Sha256Hex(small)) << "kept as x-amz-meta-sha256";

  // A range across the boundary of the reader's first fetch.
  const store::ByteRange range{kPart - 100, 300};
  EXPECT_EQ(Read(*store_, "a/large.bin", range), large.substr(kPart - 100, 300));
  EXPECT_EQ(Read(*store_, "a/large.bin", store::ByteRange{large.size() - 10, std::nullopt}),
            large.substr(large.size() - 10));
}

TEST_P(S3ObjectStoreTest, EmptyObjectsAndMissingKeys) {
  ASSERT_TRUE(store_->PutString("empty", "").ok());
  EXPECT_EQ(Read(*store_, "empty"), "");
  EXPECT_EQ(store_->Head("empty")->size, 0u);
  EXPECT_EQ(store_->Get("missing").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Head("missing").status().code(), Code::kNotFound);
  EXPECT_TRUE(store_->Delete("missing").ok()) << "deleting what is gone succeeds";
  auto no_bucket = Open("s3://no-such-bucket/x");
  ASSERT_NE(no_bucket, nullptr);
  EXPECT_EQ(no_bucket->PutString("k", "v").code(), Code::kFailedPrecondition)
      << no_bucket->PutString("k", "v").ToString();
}

TEST_P(S3ObjectStoreTest, ListingPagesDecodesKeysAndStaysInsideThePrefix) {
  auto neighbour = Open("s3://lake/runs-old");
  ASSERT_TRUE(neighbour->PutString("x", "not ours").ok());
  const std::set<std::string> keys = {"exp/run 1/model+v2.pt", "exp/run 1/café.json", "exp/run-2/a",
                                      "exp/run-2/b", "top.txt"};
  for (const auto& k : keys) ASSERT_TRUE(store_->PutString(k, k).ok()) << k;

  const std::vector<std::string> listed = AllKeys(*store_, "", 2);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), keys)
      << "pages of 2, decoded, and nothing of s3://lake/runs-old";
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));

  auto grouped = store_->List({"exp/", "/", "", 1000});
  ASSERT_TRUE(grouped.ok()) << grouped.status().ToString();
  EXPECT_TRUE(grouped->objects.empty());
  EXPECT_EQ(grouped->common_prefixes, (std::vector<std::string>{"exp/run 1/", "exp/run-2/"}));
  EXPECT_EQ(Read(*store_, "exp/run 1/café.json"), "exp/run 1/café.json");
}

TEST_P(S3ObjectStoreTest, DeleteManyGoesInBatchesOfAThousand) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1005; ++i) keys.push_back("batch/" + std::to_string(i));
  for (const auto& k : keys) ASSERT_TRUE(store_->PutString(k, "x").ok());
  ASSERT_TRUE(store_->PutString("keep/me", "x").ok());
  keys.push_back("batch/never-existed");
  ASSERT_TRUE(store_->DeleteMany(keys).ok());
  EXPECT_TRUE(AllKeys(*store_, "batch/", 1000).empty());
  EXPECT_EQ(AllKeys(*store_, "", 1000), std::vector<std::string>{"keep/me"});
}

TEST_P(S3ObjectStoreTest, CopyStorageClassAndTagsKeepTheBytesAndMetadata) {
  const std::string data = RandomBytes(4096, 3);
  ASSERT_TRUE(store_->PutString("m/model.pt", data).ok());
  ASSERT_TRUE(store_->Copy("m/model.pt", "m/copy.pt").ok());
  EXPECT_EQ(Read(*store_, "m/copy.pt"), data);

  ASSERT_TRUE(store_->SetStorageClass("m/model.pt", "STANDARD_IA").ok());
  auto head = store_->Head("m/model.pt");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->sha256_hex, s3::Sha256Hex(data)) << "REPLACE re-sent the metadata";
  EXPECT_EQ(Read(*store_, "m/model.pt"), data);
  if (GetParam() == "moto") {
    EXPECT_EQ(head->storage_class, "STANDARD_IA");
    auto listed = store_->List({"m/", "", "", 10});
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(listed->objects.at(1).storage_class, "STANDARD_IA") << listed->objects.at(1).key;
  }  // versitygw's posix backend does not keep storage classes (e2e/s3).

  const std::vector<s3::Tag> tags = {{"runledger.dev/tier", "best"}, {"team", "recsys"}};
  ASSERT_TRUE(store_->PutTags("m/copy.pt", tags).ok());
  auto got = store_->GetTags("m/copy.pt");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 2u);
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& t : *got) pairs.emplace(t.key, t.value);
  EXPECT_TRUE(pairs.contains({"runledger.dev/tier", "best"}));
}

TEST_P(S3ObjectStoreTest, WrongCredentialsArePermissionDenied) {
  auto wrong = Open("s3://lake/runs", "not-the-secret");
  Status s = wrong->PutString("k", "v");
  EXPECT_EQ(s.code(), Code::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("SignatureDoesNotMatch"), std::string::npos) << s.ToString();
}

TEST_P(S3ObjectStoreTest, AnUnreachableServerIsUnavailableUntilItIsBack) {
  ASSERT_TRUE(store_->PutString("before", "1").ok());
  ASSERT_TRUE(server_.Stop().ok());
  Status s = store_->PutString("during", "2");
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("after 3 tries"), std::string::npos) << s.ToString();
  ASSERT_TRUE(server_.Start().ok());
  if (GetParam() == "moto") {
    ASSERT_TRUE(server_.MakeBucket("lake").ok());  // it keeps buckets in memory
  }
  EXPECT_TRUE(store_->PutString("after", "3").ok()) << "the same store works again";
  if (GetParam() == "versitygw") {
    EXPECT_EQ(Read(*store_, "before"), "1");
  }
}

// A dataset on S3 without a snapshot id gets one from its listing: the
// same until an object is written again.
TEST_P(S3ObjectStoreTest, DatasetFingerprintFollowsTheListing) {
  store::ObjectStores stores(Settings());
  auto id = [&] {
    auto f = source::FingerprintDataset("s3://lake/train", {}, &stores);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? f->snapshot_id : "";
  };
  auto data = Open("s3://lake/train");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(data->PutString("part-" + std::to_string(i) + ".csv", "a,b\n1,2\n").ok());
  }
  const std::string first = id();
  EXPECT_TRUE(first.starts_with("sha256:")) << first;
  EXPECT_EQ(id(), first);
  ASSERT_TRUE(data->PutString("part-1.csv", "a,b\n9,9\n").ok());  // same size, new ETag
  EXPECT_NE(id(), first) << "an object written again changes the id";
  EXPECT_EQ(source::FingerprintDataset("s3://lake/none", {}, &stores).status().code(),
            Code::kNotFound);
}

// The metric store compacts its points into chunks in the bucket; a store
// opened afresh on an empty log reads them back from there.
TEST_P(S3ObjectStoreTest, MetricStoreChunksLiveInTheBucket) {
  char wal[] = "/tmp/s3-metric-wal-XXXXXX";
  ASSERT_NE(mkdtemp(wal), nullptr);
  auto objects = Open("s3://lake/operator");
  store::MetricStoreOptions options;
  options.wal_dir = std::string(wal) + "/a";
  options.objects = objects.get();
  options.background_compaction = false;
  {
    auto metrics = store::MetricStore::Open(options);
    ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
    store::Batch batch{"run-1", "", {}};
    for (int step = 0; step < 1000; ++step)
      batch.points.push_back({"loss", 1.0 / (step + 1), 1700000000000 + step, step});
    ASSERT_TRUE((*metrics)->Append(batch).ok());
    ASSERT_TRUE((*metrics)->Compact().ok());
  }
  auto chunks = objects->List({"metrics/", "", "", 1000});
  ASSERT_TRUE(chunks.ok()) << chunks.status().ToString();
  EXPECT_GE(chunks->objects.size(), 2u) << "a chunk and the manifest";

  // Another replica's view: a new log, the same bucket.
  options.wal_dir = std::string(wal) + "/b";
  auto reopened = store::MetricStore::Open(options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto history = (*reopened)->History({.run_id = "run-1", .key = "loss"});
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_EQ(history->samples.size(), 1000u);
  EXPECT_EQ(history->samples[999].step, 999);
  std::filesystem::remove_all(wal);
}

INSTANTIATE_TEST_SUITE_P(Servers, S3ObjectStoreTest, ::testing::Values("versitygw", "moto"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace runledger::e2e
