// Writes seed inputs for the fuzz targets: real WAL segments, chunks and
// metric manifests.
//   make_seeds OUT_DIR   (creates OUT_DIR/wal, OUT_DIR/chunk, OUT_DIR/manifest)
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>

#include "store/batch_codec.h"
#include "store/chunk.h"
#include "store/manifest.h"
#include "store/wal_record.h"

using namespace runledger::store;

namespace {

void Write(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

Batch MakeBatch(int n, int seed) {
  Batch b{"run-" + std::to_string(seed), seed % 2 ? "id-" + std::to_string(seed) : "", {}};
  for (int i = 0; i < n; ++i) {
    b.points.push_back(Point{i % 3 ? "loss" : "acc", 1.0 / (i + 1 + seed), 1700000000000 + i, i});
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out / "wal");
  std::filesystem::create_directories(out / "chunk");
  std::filesystem::create_directories(out / "manifest");
  int n = 0;
  for (int points : {0, 1, 20, 3000}) {
    std::string segment;
    wal::RecordFramer framer;
    for (int r = 0; r < 3; ++r) {
      std::string payload;
      EncodeWalBatch(*ToWalBatch(MakeBatch(points, r), 1700000000000), &payload);
      framer.Frame(payload, &segment);
    }
    Write(out / "wal" / ("segment-" + std::to_string(n++)), segment);
  }
  n = 0;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::vector<double>> value_sets = {
      {1.5, nan, std::numeric_limits<double>::infinity(), -0.0},  // XOR64
      {0.5f, 0.25f, 0.75f, 0.125f},                               // XOR32
      {0.8125, 0.8130, 0.8200, 0.9},                              // Decimal
  };
  for (const auto& values : value_sets) {
    Series s{"metric", {}};
    for (size_t i = 0; i < 64; ++i) {
      s.samples.push_back(Sample{static_cast<int64_t>(i * 10),
                                 1700000000000 + static_cast<int64_t>(i) * 250,
                                 values[i % values.size()]});
    }
    std::sort(s.samples.begin(), s.samples.end(), HistoryLess);
    Write(out / "chunk" / ("chunk-" + std::to_string(n++)), EncodeChunk({s, Series{"empty", {}}}));
  }
  n = 0;
  for (int runs : {0, 1, 3}) {
    Manifest m;
    m.generation = 7 + runs;
    m.compacted_through = 12 + runs;
    for (int r = 0; r < runs; ++r) {
      auto index = std::make_shared<RunIndex>();
      for (int c = 0; c <= r; ++c) {
        index->chunks.push_back(
            ChunkRef{"metrics/runs/run-" + std::to_string(r) + "/000" + std::to_string(c) + ".rlc",
                     uint64_t(1000 + c), uint64_t(64 * (c + 1)), -c, 10 * c});
      }
      Summary sum;
      for (int i = 0; i < 5; ++i) sum.Add(Sample{i, 1700000000000 + i, i == 3 ? nan : 0.5 * i});
      index->keys["loss"] = sum;
      index->keys["acc"] = Summary{};
      m.runs["run-" + std::to_string(r)] = index;
    }
    for (int i = 0; i < runs * 2; ++i) {
      m.recent_ids.push_back(IdEntry{0x1234u + uint64_t(i), 0xfeedu * uint64_t(i), 1700000000000});
    }
    // Seeds with an even first byte: "RLM1" starts with 'R' (0x52), so the
    // harness fixes their checksum; all are valid anyway.
    Write(out / "manifest" / ("manifest-" + std::to_string(n++)), EncodeManifest(m));
  }
  return 0;
}
