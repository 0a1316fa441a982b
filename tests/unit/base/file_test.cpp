#include "base/file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace runledger {
namespace {

class ReadFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("runledger-file-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(ReadFileTest, ReadsTheWholeFileIncludingNulBytesPastOneBuffer) {
  std::string data(200 * 1024, 'x');
  data[7] = '\0';
  data.back() = 'y';
  std::ofstream(dir_ / "f", std::ios::binary) << data;
  auto got = ReadFile((dir_ / "f").string());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data);
}

TEST_F(ReadFileTest, EmptyFileIsAnEmptyString) {
  std::ofstream(dir_ / "empty");
  auto got = ReadFile((dir_ / "empty").string());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "");
}

TEST_F(ReadFileTest, MissingFileIsNotFoundNamingIt) {
  const std::string path = (dir_ / "nope").string();
  Status s = ReadFile(path).status();
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
}

TEST_F(ReadFileTest, FileUnderAFileIsNotFound) {
  std::ofstream(dir_ / "f") << "x";
  EXPECT_EQ(ReadFile((dir_ / "f" / "g").string()).status().code(), Code::kNotFound);
}

TEST_F(ReadFileTest, DirectoryIsAnIoErrorNotNotFound) {
  Status s = ReadFile(dir_.string()).status();
  EXPECT_EQ(s.code(), Code::kIoError);
  EXPECT_NE(s.message().find(dir_.string()), std::string::npos) << s.message();
}

}  // namespace
}  // namespace runledger
