#include "tracking/search/page_token.h"

#include <charconv>

#include "base/encoding.h"
#include "base/strings.h"

namespace runledger::tracking::search {
namespace {

bool Consume(std::string_view* s, std::string_view prefix) {
  *s = TrimSpace(*s);
  if (s->substr(0, prefix.size()) != prefix) return false;
  s->remove_prefix(prefix.size());
  return true;
}

}  // namespace

std::string EncodePageToken(size_t offset) {
  return EncodeBase64("{\"offset\": " + std::to_string(offset) + "}");
}

Result<size_t> DecodePageToken(std::string_view token) {
  if (token.empty()) return size_t{0};
  Result<std::string> json = DecodeBase64(token);
  if (!json.ok()) return InvalidArgument("invalid page token, could not base64-decode");
  const Status bad = InvalidArgument("invalid page token, decoded value " + *json +
                                     " is not {\"offset\": <non-negative integer>}");
  std::string_view s = *json;
  if (!Consume(&s, "{") || !Consume(&s, "\"offset\"") || !Consume(&s, ":")) return bad;
  s = TrimSpace(s);
  const bool quoted = Consume(&s, "\"");
  size_t offset = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), offset);
  if (ec != std::errc() || end == s.data()) return bad;
  s.remove_prefix(static_cast<size_t>(end - s.data()));
  if ((quoted && !Consume(&s, "\"")) || !Consume(&s, "}") || !TrimSpace(s).empty()) return bad;
  return offset;
}

}  // namespace runledger::tracking::search
