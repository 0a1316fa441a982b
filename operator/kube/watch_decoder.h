// WatchDecoder: turns a watch response body, as it arrives in arbitrary
// chunks, into watch events.
//
// The API server writes one JSON object per event, each ended by a newline:
//   {"type":"ADDED","object":{...}}\n
// A chunk may end in the middle of an event or hold several; the decoder
// keeps the unfinished tail until the rest arrives.
//
// Thread-safety: none; one decoder per watch stream.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger::kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

std::string_view WatchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type;
  nlohmann::json object;  // The object; for kError a metav1.Status.
};

class WatchDecoder {
 public:
  // Larger lines are refused rather than buffered without bound. The API
  // server limits objects to about 1.5 MiB; 64 MiB leaves ample room.
  static constexpr size_t kMaxLine = 64 << 20;

  // Feeds the next bytes; calls `on_event` for each complete event, in order.
  // Stops at the first error: a malformed line (Internal), an oversized one
  // (ResourceExhausted), or a non-OK Status returned by `on_event`.
  Status Feed(std::string_view bytes, const std::function<Status(WatchEvent)>& on_event);

  // True when a partial event is buffered: the stream was cut mid-event.
  bool HasPartialEvent() const { return !pending_.empty(); }

 private:
  Status DecodeLine(std::string_view line, const std::function<Status(WatchEvent)>& on_event);

  std::string pending_;  // Bytes after the last newline seen.
};

}  // namespace runledger::kube
