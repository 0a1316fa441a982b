// The Range header of an artifact download (RFC 9110 §14): one byte range,
// "bytes=a-b", "bytes=a-" or "bytes=-n" (the last n bytes).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace runledger::tracking::artifacts {

struct RangeChoice {
  enum Kind {
    kWhole,          // No Range, or one we ignore (not bytes, several ranges, malformed): 200.
    kPartial,        // 206 with Content-Range: bytes offset-(offset+length-1)/size.
    kUnsatisfiable,  // 416 with Content-Range: bytes */size.
  };
  Kind kind = kWhole;
  uint64_t offset = 0;
  uint64_t length = 0;  // With kPartial: at least 1.
};

// Decides how to answer `range` (the header's value, "" if absent) for an
// object of `size` bytes. As RFC 9110 allows, a malformed or multi-range
// header is ignored and the whole object sent; b past the end is clamped.
RangeChoice ChooseRange(std::string_view range, uint64_t size);

}  // namespace runledger::tracking::artifacts
