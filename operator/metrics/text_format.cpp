// Escaping and number formatting for the Prometheus text format.
#include "metrics/text_format.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace runledger::metrics {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(IsAlpha(c) || c == ':' || (i > 0 && IsDigit(c)))) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(IsAlpha(c) || (i > 0 && IsDigit(c)))) return false;
  }
  return true;
}

void AppendValue(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[64];
  std::to_chars_result r;
  // Whole numbers below 2^53 are exact as integers; writing them so keeps
  // counters readable ("1500000", not "1.5e+06").
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v);  // Shortest round-trip form.
  }
  out->append(buf, r.ptr);
}

std::string FormatValue(double v) {
  std::string s;
  AppendValue(&s, v);
  return s;
}

void AppendEscapedLabelValue(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      default: out->push_back(c);
    }
  }
}

void AppendEscapedHelp(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      default: out->push_back(c);
    }
  }
}

void AppendHeader(std::string* out, std::string_view name, std::string_view help,
                  std::string_view type) {
  out->append("# HELP ").append(name).push_back(' ');
  AppendEscapedHelp(out, help);
  out->append("\n# TYPE ").append(name).push_back(' ');
  out->append(type).push_back('\n');
}

void AppendSample(std::string* out, std::string_view name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name,
                  std::string_view extra_value, double v) {
  out->append(name);
  if (!names.empty() || !extra_name.empty()) {
    out->push_back('{');
    bool first = true;
    auto label = [&](std::string_view n, std::string_view val) {
      if (!first) out->push_back(',');
      first = false;
      out->append(n).append("=\"");
      AppendEscapedLabelValue(out, val);
      out->push_back('"');
    };
    for (size_t i = 0; i < names.size() && i < values.size(); ++i) label(names[i], values[i]);
    if (!extra_name.empty()) label(extra_name, extra_value);
    out->push_back('}');
  }
  out->push_back(' ');
  AppendValue(out, v);
  out->push_back('\n');
}

}  // namespace runledger::metrics
