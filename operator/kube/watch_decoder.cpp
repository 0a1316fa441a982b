#include "kube/watch_decoder.h"

#include "kube/json_fields.h"

namespace runledger::kube {
namespace {

bool ParseType(std::string_view s, WatchEventType* out) {
  if (s == "ADDED")
    *out = WatchEventType::kAdded;
  else if (s == "MODIFIED")
    *out = WatchEventType::kModified;
  else if (s == "DELETED")
    *out = WatchEventType::kDeleted;
  else if (s == "BOOKMARK")
    *out = WatchEventType::kBookmark;
  else if (s == "ERROR")
    *out = WatchEventType::kError;
  else
    return false;
  return true;
}

}  // namespace

std::string_view WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded: return "ADDED";
    case WatchEventType::kModified: return "MODIFIED";
    case WatchEventType::kDeleted: return "DELETED";
    case WatchEventType::kBookmark: return "BOOKMARK";
    case WatchEventType::kError: return "ERROR";
  }
  return "UNKNOWN";
}

Status WatchDecoder::Feed(std::string_view bytes,
                          const std::function<Status(WatchEvent)>& on_event) {
  while (!bytes.empty()) {
    const size_t newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      if (pending_.size() + bytes.size() > kMaxLine) {
        return Status(Code::kResourceExhausted,
                      "watch event larger than " + std::to_string(kMaxLine) + " bytes");
      }
      pending_.append(bytes);
      return Status();
    }
    Status s;
    if (pending_.empty()) {
      s = DecodeLine(bytes.substr(0, newline), on_event);
    } else {
      pending_.append(bytes.substr(0, newline));
      std::string line = std::move(pending_);
      pending_.clear();
      s = DecodeLine(line, on_event);
    }
    RETURN_IF_ERROR(s);
    bytes.remove_prefix(newline + 1);
  }
  return Status();
}

Status WatchDecoder::DecodeLine(std::string_view line,
                                const std::function<Status(WatchEvent)>& on_event) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return Status();  // Blank lines carry nothing.
  nlohmann::json event = ParseUntrustedJson(line);
  if (!event.is_object()) {
    return Internal("watch stream: not a JSON event: " + std::string(line.substr(0, 200)));
  }
  const auto type = event.find("type");
  const auto object = event.find("object");
  WatchEventType parsed;
  if (type == event.end() || !type->is_string() || !ParseType(type->get<std::string>(), &parsed) ||
      object == event.end() || !object->is_object()) {
    return Internal("watch stream: event without a known type and an object: " +
                    std::string(line.substr(0, 200)));
  }
  return on_event(WatchEvent{parsed, std::move(*object)});
}

}  // namespace runledger::kube
