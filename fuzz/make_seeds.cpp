// Writes seed inputs for the fuzz targets: real WAL segments and chunks.
//   make_seeds OUT_DIR   (creates OUT_DIR/wal and OUT_DIR/chunk)
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "store/batch_codec.h"
#include "store/chunk.h"
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
  return 0;
}
