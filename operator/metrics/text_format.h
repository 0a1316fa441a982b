// The pieces of the Prometheus text exposition format (version 0.0.4).
//
// A family is written as
//   # HELP <name> <help, with \ and newline escaped>
//   # TYPE <name> counter|gauge|histogram
//   <name>{<label>="<value, with \ " and newline escaped>",...} <value>
// Values are integers when they are whole (and small enough to be exact),
// otherwise the shortest decimal that reads back as the same double; the
// specials are NaN, +Inf and -Inf.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace runledger::metrics {

// The Content-Type of an exposition, for the /metrics answer.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// True for [a-zA-Z_:][a-zA-Z0-9_:]*.
bool IsValidMetricName(std::string_view name);
// True for [a-zA-Z_][a-zA-Z0-9_]* not starting with "__" (reserved).
bool IsValidLabelName(std::string_view name);

// Appends `v` formatted as a sample value (also used for `le` bounds).
void AppendValue(std::string* out, double v);
std::string FormatValue(double v);

// Appends `s` with \ " and newline escaped, as inside a label value's quotes.
void AppendEscapedLabelValue(std::string* out, std::string_view s);
// Appends `s` with \ and newline escaped, as in a HELP line.
void AppendEscapedHelp(std::string* out, std::string_view s);

// Appends the "# HELP" and "# TYPE" lines of a family.
void AppendHeader(std::string* out, std::string_view name, std::string_view help,
                  std::string_view type);

// Appends one sample line: name{names[i]="values[i]",...,extra_name="extra_value"} v
// `extra_name` (e.g. "le") is left out when empty.
void AppendSample(std::string* out, std::string_view name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name,
                  std::string_view extra_value, double v);

}  // namespace runledger::metrics
