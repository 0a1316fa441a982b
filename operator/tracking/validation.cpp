#include "tracking/validation.h"

namespace runledger::tracking {
namespace {

bool KeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ' ' || c == ':' || c == '/';
}

// MLflow refuses a key that a path normalisation would change: such keys
// name files in its file store and could escape the run's directory.
bool NormalisedPath(std::string_view key) {
  if (key.starts_with('/') || key.ends_with('/')) return false;
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    const std::string_view segment = key.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

Status ValidateKey(std::string_view what, std::string_view key) {
  if (key.empty()) return InvalidArgument("Missing value for required parameter 'key'.");
  for (const char c : key) {
    if (!KeyChar(c)) {
      return InvalidArgument(
          "Invalid " + std::string(what) + " name: " + Quoted(key) +
          ". Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), "
          "spaces ( ), colon(:) and slashes (/).");
    }
  }
  if (!NormalisedPath(key)) {
    return InvalidArgument("Invalid " + std::string(what) + " name: " + Quoted(key) +
                           ". Names cannot contain '//', '.' or '..' path segments, or "
                           "start or end with '/'.");
  }
  if (key.size() > kMaxKeyLength) {
    return InvalidArgument("'key' exceeds the maximum length of " + std::to_string(kMaxKeyLength) +
                           " characters (got " + std::to_string(key.size()) + ").");
  }
  return Status::Ok();
}

Status ValidateParam(const KeyValue& param) {
  RETURN_IF_ERROR(ValidateKey("parameter", param.first));
  if (param.second.size() > kMaxParamValueLength) {
    return InvalidArgument("Param value '" + param.second.substr(0, 40) + "...' had length " +
                           std::to_string(param.second.size()) +
                           ", which exceeded length limit of " +
                           std::to_string(kMaxParamValueLength));
  }
  return Status::Ok();
}

Status ValidateTag(const KeyValue& tag) {
  RETURN_IF_ERROR(ValidateKey("tag", tag.first));
  if (tag.second.size() > kMaxTagValueLength) {
    return InvalidArgument("Tag value '" + tag.second.substr(0, 40) + "...' had length " +
                           std::to_string(tag.second.size()) + ", which exceeded length limit of " +
                           std::to_string(kMaxTagValueLength));
  }
  return Status::Ok();
}

Status ValidateMetric(const store::Point& point) { return ValidateKey("metric", point.key); }

Status ValidateBatchLimits(size_t metrics, size_t params, size_t tags) {
  auto too_many = [](size_t limit, size_t got, const char* what) {
    return InvalidArgument("A batch logging request can contain at most " + std::to_string(limit) +
                           " " + what + ". Got " + std::to_string(got) + " " + what +
                           ". Please split up " + what +
                           " across multiple requests and try again.");
  };
  if (metrics > kMaxBatchMetrics) return too_many(kMaxBatchMetrics, metrics, "metrics");
  if (params > kMaxBatchParams) return too_many(kMaxBatchParams, params, "params");
  if (tags > kMaxBatchTags) return too_many(kMaxBatchTags, tags, "tags");
  const size_t total = metrics + params + tags;
  if (total > kMaxBatchEntities) {
    return InvalidArgument(
        "A batch logging request can contain at most " + std::to_string(kMaxBatchEntities) +
        " metrics, params, and tags in total. Got " + std::to_string(total) +
        " entities. Please split up the request across multiple requests and try again.");
  }
  return Status::Ok();
}

}  // namespace runledger::tracking
