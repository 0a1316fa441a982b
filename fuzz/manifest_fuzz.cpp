// libFuzzer target: the metric manifest decoder (operator/store/manifest.cpp)
// must reject any bytes cleanly, and what it accepts must re-encode to the
// same bytes. The harness rewrites the trailing checksum so that mutations
// reach the body instead of dying at the CRC check; inputs whose first byte
// is odd keep their own checksum, so the check itself is fuzzed too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "store/coding.h"
#include "store/crc32c.h"
#include "store/manifest.h"

using namespace runledger;
using namespace runledger::store;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  if (in.size() >= 4 && (static_cast<uint8_t>(in[0]) & 1) == 0) {
    std::string body = in.substr(0, in.size() - 4);
    in = body;
    PutFixed32(&in, crc32c::Mask(crc32c::Value(body)));
  }
  auto m = DecodeManifest(in);
  if (!m.ok()) {
    if (m.status().code() != Code::kCorruption) std::abort();
    return 0;
  }
  // Accepted bytes are canonical: re-encoding gives them back (varints are
  // minimal when written, but a decoder may accept padded ones: then the
  // decoded values must still round-trip).
  std::string again = EncodeManifest(*m);
  auto m2 = DecodeManifest(again);
  if (!m2.ok() || EncodeManifest(*m2) != again) std::abort();
  return 0;
}
