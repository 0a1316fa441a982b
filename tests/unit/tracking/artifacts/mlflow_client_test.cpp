// mlflow's own HttpArtifactRepository (from the e2e virtualenv, mlflow
// 3.17.2) against the artifact endpoints: a byte-identical round trip of a
// 100 MB file with the server's memory flat, listings, a range GET and a
// delete. Skipped when the virtualenv has not been made (e2e/python makes it).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "artifact_fixture.h"

namespace runledger::tracking::artifacts {
namespace {

size_t RssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

// The interpreter, if the e2e virtualenv exists (never created from here:
// that needs the network).
std::string Python() {
  if (const char* p = std::getenv("RUNLEDGER_PYTHON")) return p;
  const char* home = std::getenv("HOME");
  const char* cache = std::getenv("RUNLEDGER_CACHE");
  std::filesystem::path dir = cache ? cache : std::string(home ? home : "/") + "/.cache/runledger";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().filename().string().starts_with("venv-") &&
        std::filesystem::exists(e.path() / ".complete")) {
      return std::string(RUNLEDGER_SOURCE_DIR) + "/e2e/python";
    }
  }
  return "";
}

constexpr const char* kScript = R"PY(
import hashlib, os, sys
import requests
from mlflow.store.artifact.http_artifact_repo import HttpArtifactRepository

port, work = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}/api/2.0/mlflow-artifacts/artifacts"
repo = HttpArtifactRepository(base + "/0/run1/artifacts")

big = os.path.join(work, "big.bin")
with open(big, "wb") as f:
    for i in range(100):
        f.write(hashlib.sha256(str(i).encode()).digest() * 32768)  # 1 MiB each
want = hashlib.sha256(open(big, "rb").read()).hexdigest()
repo.log_artifact(big)

src = os.path.join(work, "dir")
os.makedirs(os.path.join(src, "sub"))
open(os.path.join(src, "a.txt"), "w").write("hello")
open(os.path.join(src, "sub", "b.json"), "w").write("{}")
repo.log_artifacts(src, "logs")

top = [(f.path, f.is_dir, f.file_size) for f in repo.list_artifacts()]
assert top == [("big.bin", False, 100 << 20), ("logs", True, None)], top
logs = [(f.path, f.is_dir, f.file_size) for f in repo.list_artifacts("logs")]
assert logs == [("logs/a.txt", False, 5), ("logs/sub", True, None)], logs

out = os.path.join(work, "out")
os.makedirs(out)
got = repo.download_artifacts("big.bin", out)
assert hashlib.sha256(open(got, "rb").read()).hexdigest() == want, "download differs"
tree = repo.download_artifacts("logs", out)
assert open(os.path.join(tree, "sub", "b.json")).read() == "{}"

r = requests.get(base + "/0/run1/artifacts/big.bin", headers={"Range": "bytes=1048576-1048591"})
assert r.status_code == 206 and r.content == open(big, "rb").read()[1048576:1048592], r.status_code

repo.delete_artifacts("logs")
assert [f.path for f in repo.list_artifacts()] == ["big.bin"]
print("OK")
)PY";

class MlflowClientTest : public testing::ArtifactServer {};

TEST_F(MlflowClientTest, HttpArtifactRepositoryRoundTripWithFlatMemory) {
  const std::string python = Python();
  if (python.empty()) GTEST_SKIP() << "no e2e virtualenv (run e2e/python once)";
  const std::string work = dir_.path() + "/client";
  std::filesystem::create_directories(work);
  const std::string script = work + "/t.py";
  std::ofstream(script) << kScript;

  const size_t before = RssBytes();
  std::atomic<bool> done{false};
  std::atomic<size_t> peak{before};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max(peak.load(), RssBytes());
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  const std::string cmd =
      python + " " + script + " " + std::to_string(server_->port()) + " " + work + " 2>&1";
  std::string output;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, p)) output.append(buf, n);
    int rc = ::pclose(p);
    EXPECT_EQ(rc, 0) << output;
  }
  done = true;
  sampler.join();
  EXPECT_NE(output.find("OK"), std::string::npos) << output;
  // 100 MiB went up and down; the server held pieces of it, not all of it.
  EXPECT_LT(peak.load(), before + 24 * (1 << 20)) << "before " << before;
  // And the stored object is the file, byte for byte (the client checked
  // the download; this checks the store itself).
  auto info = store_->Head("0/run1/artifacts/big.bin");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 100u << 20);
}

}  // namespace
}  // namespace runledger::tracking::artifacts
