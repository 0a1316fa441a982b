#include "tracking/search/like_pattern.h"

namespace runledger::tracking::search {
namespace {

char FoldAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The length of the UTF-8 sequence starting at text[at] (1 for a stray byte),
// never past the end.
size_t CodePointLength(std::string_view text, size_t at) {
  const auto b = static_cast<unsigned char>(text[at]);
  size_t n = 1;
  if ((b & 0xE0) == 0xC0) n = 2;
  if ((b & 0xF0) == 0xE0) n = 3;
  if ((b & 0xF8) == 0xF0) n = 4;
  size_t len = 1;
  while (len < n && at + len < text.size() && IsContinuationByte(text[at + len])) ++len;
  return len;
}

}  // namespace

Result<LikePattern> LikePattern::Compile(std::string_view pattern, bool ignore_case) {
  LikePattern p;
  p.ignore_case_ = ignore_case;
  p.segments_.emplace_back();
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    Segment& seg = p.segments_.back();
    if (c == '%') {
      p.segments_.emplace_back();
      continue;
    }
    if (c == '_') {
      seg.bytes.push_back('\0');
      seg.any.push_back(true);
      continue;
    }
    if (c == '\\') {
      if (++i == pattern.size()) {
        return InvalidArgument("LIKE pattern '" + std::string(pattern) +
                               "' must not end with the escape character '\\'");
      }
      c = pattern[i];
    }
    seg.bytes.push_back(ignore_case ? FoldAscii(c) : c);
    seg.any.push_back(false);
  }
  return p;
}

size_t LikePattern::MatchAt(const Segment& seg, std::string_view text, size_t at) const {
  for (size_t k = 0; k < seg.bytes.size(); ++k) {
    if (at >= text.size()) return std::string_view::npos;
    if (seg.any[k]) {
      at += CodePointLength(text, at);
      continue;
    }
    const char c = ignore_case_ ? FoldAscii(text[at]) : text[at];
    if (c != seg.bytes[k]) return std::string_view::npos;
    ++at;
  }
  return at;
}

bool LikePattern::Matches(std::string_view text) const {
  if (segments_.empty()) return text.empty();
  constexpr size_t npos = std::string_view::npos;
  size_t pos = MatchAt(segments_.front(), text, 0);
  if (pos == npos) return false;
  if (segments_.size() == 1) return pos == text.size();
  // Between two '%', the leftmost match of each middle segment leaves the
  // most text for the rest, so no backtracking is needed.
  for (size_t s = 1; s + 1 < segments_.size(); ++s) {
    size_t end = npos;
    for (size_t start = pos; start <= text.size() && end == npos; ++start) {
      if (start < text.size() && IsContinuationByte(text[start])) continue;
      end = MatchAt(segments_[s], text, start);
    }
    if (end == npos) return false;
    pos = end;
  }
  // The last segment must end exactly at the end of the text.
  for (size_t start = pos; start <= text.size(); ++start) {
    if (start < text.size() && IsContinuationByte(text[start])) continue;
    if (MatchAt(segments_.back(), text, start) == text.size()) return true;
  }
  return false;
}

}  // namespace runledger::tracking::search
