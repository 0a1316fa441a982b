// runledger-capture is one static executable: no loader, no shared
// libraries, so it runs in a root that holds nothing but itself.
#include <elf.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "capture/summary.h"
#include "capture_process.h"

namespace runledger::capture {
namespace {

using testing::kCaptureBin;
using testing::RunToEnd;
using testing::TempDir;

bool HaveCommand(const std::string& name) {
  return RunToEnd({"sh", "-c", "command -v " + name + " >/dev/null"}).code == 0;
}

TEST(CaptureStaticBinary, HasNoInterpreterOrDynamicSection) {
  std::ifstream in(kCaptureBin, std::ios::binary);
  Elf64_Ehdr eh{};
  ASSERT_TRUE(in.read(reinterpret_cast<char*>(&eh), sizeof eh));
  ASSERT_EQ(std::string(reinterpret_cast<char*>(eh.e_ident), 4), "\177ELF");
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(eh.e_phoff + i * eh.e_phentsize));
    ASSERT_TRUE(in.read(reinterpret_cast<char*>(&ph), sizeof ph));
    EXPECT_NE(ph.p_type, PT_INTERP) << "the binary asks for a dynamic loader";
    EXPECT_NE(ph.p_type, PT_DYNAMIC) << "the binary has a dynamic section";
  }
}

TEST(CaptureStaticBinary, LddSaysNotDynamic) {
  if (!HaveCommand("ldd")) GTEST_SKIP() << "ldd is not installed";
  auto r = RunToEnd({"ldd", kCaptureBin});
  EXPECT_NE((r.out + r.err).find("not a dynamic executable"), std::string::npos) << r.out << r.err;
}

class CaptureEmptyRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveCommand("bwrap")) GTEST_SKIP() << "bubblewrap (bwrap) is not installed";
    root_ = std::make_unique<TempDir>();
    std::filesystem::copy_file(kCaptureBin, root_->path() + "/runledger-capture");
  }
  // bwrap with the temporary directory, holding only the binary, as `/`.
  std::vector<std::string> InRoot(std::vector<std::string> argv) {
    std::vector<std::string> all = {"bwrap", "--bind",        root_->path(),
                                    "/",     "--unshare-pid", "--die-with-parent"};
    all.insert(all.end(), argv.begin(), argv.end());
    return all;
  }
  std::unique_ptr<TempDir> root_;
};

TEST_F(CaptureEmptyRoot, PrintsItsVersion) {
  auto r = RunToEnd(InRoot({"/runledger-capture", "--version"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "runledger-capture 0.1.0\n");
}

TEST_F(CaptureEmptyRoot, WrapsACommandAndWritesASummaryWithNothingToProbe) {
  // No /proc, /etc, python3 or nvidia-smi: every probe comes up empty, none fails the run.
  auto r = RunToEnd(InRoot({"/runledger-capture", "--termination-log=/summary.json",
                            "--probe-wait=5", "--", "/runledger-capture", "--version"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "runledger-capture 0.1.0\n");
  EXPECT_EQ(r.err, "");
  std::ifstream in(root_->path() + "/summary.json");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  auto summary = ParseSummary(text);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString() << ": " << text;
  EXPECT_TRUE(summary->python.empty());
  EXPECT_EQ(GpuText(*summary), "none");
}

TEST_F(CaptureEmptyRoot, InstallCopiesAWorkingBinary) {
  std::filesystem::create_directory(root_->path() + "/bin");
  auto r = RunToEnd(InRoot({"/runledger-capture", "--install", "/bin/runledger-capture"}));
  ASSERT_EQ(r.code, 0) << r.err;
  auto copied = RunToEnd({root_->path() + "/bin/runledger-capture", "--version"});
  EXPECT_EQ(copied.out, "runledger-capture 0.1.0\n");
  EXPECT_EQ(std::filesystem::status(root_->path() + "/bin/runledger-capture").permissions() &
                std::filesystem::perms::owner_exec,
            std::filesystem::perms::owner_exec);
}

}  // namespace
}  // namespace runledger::capture
