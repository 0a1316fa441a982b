// libFuzzer target: the chunk decoder (directory and every column codec)
// and the manifest decoder must reject any bytes cleanly; what they accept
// must re-encode to a chunk that decodes to the same samples.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "store/chunk.h"
#include "store/manifest.h"

using namespace runledger;
using namespace runledger::store;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)DecodeManifest(in);
  // Skip the checksum so the fuzzer reaches the column decoders.
  auto reader = ChunkReader::Open(in, /*verify_crc=*/false);
  if (!reader.ok()) return 0;
  std::vector<Series> decoded;
  for (const auto& e : reader->entries()) {
    Series s{std::string(e.key), {}};
    if (!reader
             ->Read(e, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                    &s.samples)
             .ok()) {
      return 0;
    }
    if (!std::is_sorted(s.samples.begin(), s.samples.end(), HistoryLess)) return 0;
    decoded.push_back(std::move(s));
  }
  // Round trip: what decodes re-encodes to the same samples, bit for bit.
  std::string again = EncodeChunk(decoded);
  auto r2 = ChunkReader::Open(again);
  if (!r2.ok() || r2->entries().size() != decoded.size()) std::abort();
  for (size_t i = 0; i < decoded.size(); ++i) {
    std::vector<Sample> out;
    if (!r2->Read(r2->entries()[i], std::numeric_limits<int64_t>::min(),
                  std::numeric_limits<int64_t>::max(), &out)
             .ok() ||
        out != decoded[i].samples) {
      std::abort();
    }
  }
  return 0;
}
