// Range header parsing for artifact downloads.
#include "tracking/artifacts/byte_range.h"

#include <charconv>
#include <optional>

#include "base/strings.h"

namespace runledger::tracking::artifacts {
namespace {

std::optional<uint64_t> ParseNumber(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

RangeChoice ChooseRange(std::string_view range, uint64_t size) {
  range = TrimSpace(range);
  constexpr std::string_view kUnit = "bytes=";
  if (!range.starts_with(kUnit)) return {};
  std::string_view spec = TrimSpace(range.substr(kUnit.size()));
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return {};
  std::string_view first = TrimSpace(spec.substr(0, dash));
  std::string_view last = TrimSpace(spec.substr(dash + 1));
  RangeChoice c;
  if (first.empty()) {
    // The last n bytes.
    std::optional<uint64_t> n = ParseNumber(last);
    if (!n) return {};
    if (*n == 0 || size == 0) return {RangeChoice::kUnsatisfiable, 0, 0};
    c.length = std::min(*n, size);
    c.offset = size - c.length;
    c.kind = RangeChoice::kPartial;
    return c;
  }
  std::optional<uint64_t> a = ParseNumber(first);
  std::optional<uint64_t> b =
      last.empty() ? std::optional<uint64_t>(UINT64_MAX) : ParseNumber(last);
  if (!a || !b || *b < *a) return {};
  if (*a >= size) return {RangeChoice::kUnsatisfiable, 0, 0};
  c.kind = RangeChoice::kPartial;
  c.offset = *a;
  c.length = std::min(*b, size - 1) - *a + 1;
  return c;
}

}  // namespace runledger::tracking::artifacts
