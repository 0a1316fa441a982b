// FingerprintDataset on real temporary directories.
#include "source/dataset.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/encoding.h"

namespace runledger::source {
namespace {

namespace fs = std::filesystem;

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dataset-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const fs::path& rel, const std::string& content) {
    fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  // A small tree under dir_/<root>, files written in the given order.
  void MakeTree(const std::string& root, bool reversed = false) {
    std::vector<std::pair<std::string, std::string>> files = {
        {"train/part-0.csv", "a,b\n1,2\n"}, {"train/part-1.csv", "a,b\n3,4\n"}, {"README", "hi"}};
    if (reversed) std::reverse(files.begin(), files.end());
    for (const auto& [name, content] : files) Write(fs::path(root) / name, content);
  }
  static std::string Uri(const fs::path& p) { return "file://" + p.string(); }
  std::string Id(const fs::path& p, const FingerprintLimits& limits = {}) {
    Result<DatasetFingerprint> f = FingerprintDataset(Uri(p), limits);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? f->snapshot_id : "";
  }

  fs::path dir_;
};

TEST_F(DatasetTest, SameContentGivesSameIdWhateverTheOrderOfCreation) {
  MakeTree("one");
  MakeTree("two", /*reversed=*/true);
  std::string id = Id(dir_ / "one");
  EXPECT_EQ(id.rfind("sha256:", 0), 0u) << id;
  EXPECT_EQ(id.size(), 7u + 64u);
  EXPECT_EQ(id, Id(dir_ / "two"));
}

TEST_F(DatasetTest, CountsFilesAndBytes) {
  MakeTree("d");
  Result<DatasetFingerprint> f = FingerprintDataset(Uri(dir_ / "d"), {});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->files, 3);
  EXPECT_EQ(f->bytes, 8 + 8 + 2);
}

TEST_F(DatasetTest, RenamedFileChangesId) {
  MakeTree("d");
  std::string before = Id(dir_ / "d");
  fs::rename(dir_ / "d/README", dir_ / "d/README.txt");
  EXPECT_NE(before, Id(dir_ / "d"));
}

TEST_F(DatasetTest, FileMovedToAnotherDirectoryChangesId) {
  MakeTree("d");
  std::string before = Id(dir_ / "d");
  fs::create_directories(dir_ / "d/test");
  fs::rename(dir_ / "d/train/part-1.csv", dir_ / "d/test/part-1.csv");
  EXPECT_NE(before, Id(dir_ / "d"));
}

TEST_F(DatasetTest, ChangedByteChangesId) {
  MakeTree("d");
  std::string before = Id(dir_ / "d");
  Write("d/train/part-0.csv", "a,b\n1,3\n");  // Same size, one byte differs.
  EXPECT_NE(before, Id(dir_ / "d"));
}

TEST_F(DatasetTest, AddedEmptyFileChangesId) {
  MakeTree("d");
  std::string before = Id(dir_ / "d");
  Write("d/_SUCCESS", "");
  EXPECT_NE(before, Id(dir_ / "d"));
}

TEST_F(DatasetTest, EmptyDirectoriesDoNotCount) {
  MakeTree("d");
  std::string before = Id(dir_ / "d");
  fs::create_directories(dir_ / "d/empty");
  EXPECT_EQ(before, Id(dir_ / "d"));
}

TEST_F(DatasetTest, IdFollowsTheDocumentedRecordFormat) {
  Write("d/x", "abc");
  auto sha = [](const std::string& data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    std::string hex;
    char buf[3];
    for (unsigned int i = 0; i < len; ++i) {
      snprintf(buf, sizeof(buf), "%02x", md[i]);
      hex += buf;
    }
    return hex;
  };
  using namespace std::string_literals;
  std::string stream = "runledger-dataset-v1\0"s + "f\0x\0"s + "3\0"s + sha("abc") + "\0"s;
  EXPECT_EQ(Id(dir_ / "d"), "sha256:" + sha(stream));
}

TEST_F(DatasetTest, SingleFileIsFingerprintedUnderItsName) {
  fs::path f = Write("data.parquet", "PAR1...");
  Result<DatasetFingerprint> one = FingerprintDataset(Uri(f), {});
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->files, 1);
  EXPECT_EQ(one->bytes, 7);
  fs::path g = Write("copy/data.parquet", "PAR1...");
  EXPECT_EQ(one->snapshot_id, Id(g));
  fs::path h = Write("renamed.parquet", "PAR1...");
  EXPECT_NE(one->snapshot_id, Id(h));
}

TEST_F(DatasetTest, SymlinkIsRecordedNotFollowed) {
  MakeTree("d");
  Write("outside/big", "outside data");
  fs::create_symlink(dir_ / "outside/big", dir_ / "d/link");
  Result<DatasetFingerprint> f = FingerprintDataset(Uri(dir_ / "d"), {});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->bytes, 18);  // The link's target is not read.
  Write("outside/big", "changed outside data");
  EXPECT_EQ(f->snapshot_id, Id(dir_ / "d"));
  fs::remove(dir_ / "d/link");
  fs::create_symlink(dir_ / "outside/other", dir_ / "d/link");
  EXPECT_NE(f->snapshot_id, Id(dir_ / "d"));
}

TEST_F(DatasetTest, RootSymlinkIsFollowed) {
  MakeTree("v3");
  fs::create_symlink(dir_ / "v3", dir_ / "current");
  EXPECT_EQ(Id(dir_ / "v3"), Id(dir_ / "current"));
}

TEST_F(DatasetTest, PercentEscapesAreDecoded) {
  MakeTree("with space");
  Result<DatasetFingerprint> f =
      FingerprintDataset("file://" + dir_.string() + "/with%20space", {});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->snapshot_id, Id(dir_ / "with space"));
}

TEST_F(DatasetTest, TooManyFilesIsResourceExhaustedNamingTheLimit) {
  MakeTree("d");
  FingerprintLimits limits;
  limits.max_files = 2;
  Result<DatasetFingerprint> f = FingerprintDataset(Uri(dir_ / "d"), limits);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kResourceExhausted);
  EXPECT_NE(f.status().message().find("max_files"), std::string::npos) << f.status().message();
  EXPECT_NE(f.status().message().find("more than 2 files"), std::string::npos);
}

TEST_F(DatasetTest, ExactlyTheFileLimitIsAllowed) {
  MakeTree("d");
  FingerprintLimits limits;
  limits.max_files = 3;
  limits.max_bytes = 18;
  EXPECT_FALSE(Id(dir_ / "d", limits).empty());
}

TEST_F(DatasetTest, TooManyBytesIsResourceExhaustedNamingTheLimit) {
  MakeTree("d");
  FingerprintLimits limits;
  limits.max_bytes = 17;
  Result<DatasetFingerprint> f = FingerprintDataset(Uri(dir_ / "d"), limits);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kResourceExhausted);
  EXPECT_NE(f.status().message().find("max_bytes"), std::string::npos) << f.status().message();
}

TEST_F(DatasetTest, MissingPathIsNotFoundNamingTheUri) {
  std::string uri = Uri(dir_ / "absent");
  Result<DatasetFingerprint> f = FingerprintDataset(uri, {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kNotFound);
  EXPECT_NE(f.status().message().find(uri), std::string::npos) << f.status().message();
}

TEST_F(DatasetTest, UnreadableFileIsIoErrorNamingIt) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  MakeTree("d");
  ASSERT_EQ(chmod((dir_ / "d/train/part-1.csv").c_str(), 0), 0);
  Result<DatasetFingerprint> f = FingerprintDataset(Uri(dir_ / "d"), {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kIoError);
  EXPECT_NE(f.status().message().find("train/part-1.csv"), std::string::npos)
      << f.status().message();
}

// FingerprintObjects reads only a store's listing; a file:// store lists
// no ETags, which leaves key and size (S3 adds the ETag: tests/e2e).
TEST_F(DatasetTest, ObjectListingFingerprintFollowsKeysAndSizes) {
  auto objects = store::ObjectStore::Open(Uri(dir_ / "objects"));
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  auto id = [&](const FingerprintLimits& limits = {}) {
    auto f = FingerprintObjects("s3://lake/train", **objects, limits);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? f->snapshot_id : "";
  };
  auto empty = FingerprintObjects("s3://lake/train", **objects);
  EXPECT_EQ(empty.status().code(), Code::kNotFound) << "an empty prefix is no dataset";
  ASSERT_TRUE((*objects)->PutString("part-0.csv", "a,b\n").ok());
  ASSERT_TRUE((*objects)->PutString("dir/part-1.csv", "c,d\n").ok());
  const std::string first = id();
  EXPECT_EQ(first, id()) << "stable";
  // The documented records: key NUL size NUL etag NUL, sorted, after the format tag.
  std::string records("runledger-dataset-objects-v1", sizeof("runledger-dataset-objects-v1"));
  for (const char* key : {"dir/part-1.csv", "part-0.csv"}) {
    records += key;
    records += std::string("\0004\0\0", 4);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(records.data(), records.size(), md, &n, EVP_sha256(), nullptr);
  EXPECT_EQ(first, "sha256:" + HexEncode(std::string_view(reinterpret_cast<char*>(md), n)));

  ASSERT_TRUE((*objects)->PutString("part-0.csv", "a,b,c\n").ok());
  EXPECT_NE(id(), first) << "a size changed";
  auto limited = FingerprintObjects("s3://lake/train", **objects, {.max_files = 1});
  EXPECT_EQ(limited.status().code(), Code::kResourceExhausted);
  EXPECT_NE(limited.status().message().find("max_files"), std::string::npos);
}

TEST(DatasetUriTest, S3WithoutSettingsSaysToGiveASnapshotId) {
  Result<DatasetFingerprint> f = FingerprintDataset("s3://lake/events/train", {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(f.status().message().find("snapshotId"), std::string::npos);
}

TEST(DatasetUriTest, RelativeOrRemoteFileUriIsInvalid) {
  for (const char* uri : {"file://host/data", "file:relative", "gs://b/x", "/plain/path"}) {
    Result<DatasetFingerprint> f = FingerprintDataset(uri, {});
    ASSERT_FALSE(f.ok()) << uri;
    EXPECT_EQ(f.status().code(), Code::kInvalidArgument) << uri;
  }
}

}  // namespace
}  // namespace runledger::source
