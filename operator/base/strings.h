// Small string helpers shared by every layer.
//
// Pure functions; no allocation unless a std::string is returned.
#pragma once

#include <string_view>

namespace runledger {

// True for the ASCII whitespace a text file or an HTTP body may carry:
// space, tab, newline, carriage return, vertical tab, form feed.
constexpr bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// `s` without leading and trailing ASCII whitespace (a view into `s`).
constexpr std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// `s` without trailing ASCII whitespace, e.g. a file's final newline.
constexpr std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace runledger
