// libFuzzer target: the watch-stream decoder, fed the way a stream arrives
// (in arbitrary chunks), must never crash, and must decode the same events
// however the bytes are split. ERROR events are decoded as the Client does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "kube/api_error.h"
#include "kube/watch_decoder.h"

using namespace runledger;
using namespace runledger::kube;

namespace {

// Feeds `in` in chunks of the sizes `split` picks; returns the events as text
// (type and object) plus the final status and partial-event state.
std::vector<std::string> Decode(std::string_view in, std::string_view split) {
  std::vector<std::string> out;
  WatchDecoder decoder;
  auto on_event = [&](WatchEvent e) -> Status {
    if (e.type == WatchEventType::kError) {
      // What Client::Watch does with an ERROR event: never OK.
      if (DecodeWatchError(e.object.dump()).ok()) std::abort();
    }
    out.push_back(std::string(WatchEventTypeName(e.type)) + " " + e.object.dump());
    return Status();
  };
  Status s;
  size_t i = 0;
  while (s.ok() && !in.empty()) {
    const size_t n =
        split.empty() ? in.size() : 1 + static_cast<uint8_t>(split[i++ % split.size()]);
    const size_t take = n < in.size() ? n : in.size();
    s = decoder.Feed(in.substr(0, take), on_event);
    in.remove_prefix(take);
  }
  out.push_back(s.ToString());
  out.push_back(decoder.HasPartialEvent() ? "partial" : "whole");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  // The first up to 8 bytes choose the chunk sizes; the rest is the stream.
  const size_t k = all.empty() ? 0 : static_cast<uint8_t>(all[0]) % 9;
  if (all.size() < 1 + k) return 0;
  const std::string_view split = all.substr(1, k);
  const std::string_view stream = all.substr(1 + k);
  // Splitting must not change what is decoded (the decoder stops at the
  // first error either way).
  if (Decode(stream, "") != Decode(stream, split)) std::abort();
  return 0;
}
