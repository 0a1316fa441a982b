// libFuzzer target: the WAL segment parser and the batch payload decoder
// must never crash, read out of bounds or loop on any bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "store/batch_codec.h"
#include "store/wal_record.h"

using namespace runledger;
using namespace runledger::store;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  uint64_t last_offset = 0;
  bool first = true;
  wal::SegmentParse p = wal::ParseSegment(in, [&](std::string_view rec, uint64_t offset) {
    // Records come in file order, each inside the input.
    if (!first && offset <= last_offset) std::abort();
    first = false;
    last_offset = offset;
    WalBatch batch;
    if (DecodeWalBatch(rec, &batch).ok()) {
      for (uint32_t k : batch.key_of) {
        if (k >= batch.keys.size()) std::abort();
      }
    }
    return Status::Ok();
  });
  if (p.valid_end > size) std::abort();
  if ((p.end == wal::SegmentParse::End::kCorrupt) == p.status.ok()) std::abort();
  return 0;
}
