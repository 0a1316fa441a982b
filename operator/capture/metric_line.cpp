#include "capture/metric_line.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "base/strings.h"

namespace runledger::capture {

namespace {

// A value read from a line: a number (integral when written without
// fraction or exponent, and then also as int64), or, in JSON, a string.
struct Value {
  enum class Kind { kNumber, kString, kOther } kind = Kind::kOther;
  double number = 0;
  std::optional<int64_t> integer;
  std::string text;  // kString
};

struct Field {
  std::string key;
  Value value;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// NaN, Infinity, -Infinity as MLflow and Python's json write them (exact
// case); `relaxed` adds nan, inf, -inf, +inf, +infinity in any case.
std::optional<double> SpecialValue(std::string_view s, bool relaxed) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "Infinity") return kInf;
  if (s == "-Infinity") return -kInf;
  if (!relaxed) return std::nullopt;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (EqualsIgnoreCase(s, "nan")) return std::numeric_limits<double>::quiet_NaN();
  if (EqualsIgnoreCase(s, "inf") || EqualsIgnoreCase(s, "infinity")) {
    return negative ? -kInf : kInf;
  }
  return std::nullopt;
}

// The digits of a number already checked against a grammar; fails only
// when the value does not fit a double (1e400) or, for an integer, int64.
bool ConvertNumber(std::string_view s, bool integral, Value& v) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v.number);
  if (ec != std::errc() || p != end) return false;
  if (integral) {
    int64_t i = 0;
    auto [q, ec2] = std::from_chars(s.data(), end, i);
    if (ec2 != std::errc() || q != end) return false;
    v.integer = i;
  }
  v.kind = Value::Kind::kNumber;
  return true;
}

// A key=value number: [+-]? (digits [. digits*] | . digits) ([eE][+-]?digits)?,
// or one of the special values.
std::optional<Value> ParseLooseNumber(std::string_view s) {
  Value v;
  if (auto special = SpecialValue(s, /*relaxed=*/true)) {
    v.kind = Value::Kind::kNumber;
    v.number = *special;
    return v;
  }
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++int_digits;
  bool integral = true;
  if (i < s.size() && s[i] == '.') {
    integral = false;
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    integral = false;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  // from_chars wants a digit before '.'; "5." and ".5" are fine for it too.
  if (!ConvertNumber(s, integral, v)) return std::nullopt;
  return v;
}

// A strict reader of one flat JSON object (RFC 8259, plus the bare tokens
// NaN, Infinity, -Infinity). Nested values are refused, not skipped: a
// line holding one is never a metric line.
class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  std::optional<std::vector<Field>> Object() {
    std::vector<Field> fields;
    SkipSpace();
    if (!Eat('{')) return std::nullopt;
    SkipSpace();
    if (Eat('}')) return End(std::move(fields));
    while (true) {
      SkipSpace();
      Field f;
      if (!String(f.key)) return std::nullopt;
      SkipSpace();
      if (!Eat(':')) return std::nullopt;
      SkipSpace();
      if (!ReadValue(f.value)) return std::nullopt;
      fields.push_back(std::move(f));
      SkipSpace();
      if (Eat('}')) return End(std::move(fields));
      if (!Eat(',')) return std::nullopt;
    }
  }

 private:
  std::optional<std::vector<Field>> End(std::vector<Field> fields) {
    SkipSpace();
    if (i_ != s_.size()) return std::nullopt;  // trailing bytes
    return fields;
  }

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n'))
      ++i_;
  }
  bool Eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool EatWord(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }

  bool ReadValue(Value& v) {
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '"') {
      v.kind = Value::Kind::kString;
      return String(v.text);
    }
    if (c == '-' || IsDigit(c) || c == 'N' || c == 'I') return Number(v);
    if (EatWord("true") || EatWord("false") || EatWord("null")) {
      v.kind = Value::Kind::kOther;
      return true;
    }
    return false;  // '{', '[' or garbage: not a flat metric object
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, or NaN, Infinity, -Infinity.
  bool Number(Value& v) {
    for (std::string_view special : {"NaN", "Infinity", "-Infinity"}) {
      if (EatWord(special)) {
        v.kind = Value::Kind::kNumber;
        v.number = *SpecialValue(special, false);
        return true;
      }
    }
    const size_t start = i_;
    Eat('-');
    if (Eat('0')) {
    } else if (i_ < s_.size() && IsDigit(s_[i_])) {
      while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
    } else {
      return false;
    }
    bool integral = true;
    if (Eat('.')) {
      integral = false;
      if (!Digits()) return false;
    }
    if (Eat('e') || Eat('E')) {
      integral = false;
      if (!Eat('+')) Eat('-');
      if (!Digits()) return false;
    }
    return ConvertNumber(s_.substr(start, i_ - start), integral, v);
  }
  bool Digits() {
    const size_t start = i_;
    while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
    return i_ > start;
  }

  bool Hex4(uint32_t& out) {
    if (i_ + 4 > s_.size()) return false;
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      uint32_t d;
      if (IsDigit(c)) {
        d = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      out = out * 16 + d;
    }
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // A JSON string, escapes decoded. Raw bytes >= 0x80 are copied as they
  // are (a key with them is refused later anyway).
  bool String(std::string& out) {
    if (!Eat('"')) return false;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      switch (s_[i_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (!EatWord("\\u") || !Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(cp, out);
          break;
        }
        default: return false;
      }
    }
    return false;  // unterminated
  }

  std::string_view s_;
  size_t i_ = 0;
};

// A value as a metric's value: a number, or a special value as a string.
std::optional<double> MetricValue(const Value& v) {
  if (v.kind == Value::Kind::kNumber) return v.number;
  if (v.kind == Value::Kind::kString) return SpecialValue(v.text, /*relaxed=*/false);
  return std::nullopt;
}

// The rules shared by JSON objects of numbers and key=value lines (see the
// header): step, timestamp, epoch, duplicates, key validity.
bool FieldsToMetrics(const std::vector<Field>& fields, std::vector<ParsedMetric>& out) {
  std::optional<int64_t> step, timestamp, epoch_step;
  std::vector<ParsedMetric> metrics;
  std::set<std::string_view> seen;
  for (const Field& f : fields) {
    if (!seen.insert(f.key).second) return false;
    if (f.key == "step" || f.key == "timestamp") {
      if (f.value.kind != Value::Kind::kNumber || !f.value.integer) return false;
      (f.key == "step" ? step : timestamp) = f.value.integer;
      continue;
    }
    const std::optional<double> value = MetricValue(f.value);
    if (!value || !IsValidMetricKey(f.key)) return false;
    if (f.key == "epoch" && f.value.kind == Value::Kind::kNumber) epoch_step = f.value.integer;
    metrics.push_back({f.key, *value, std::nullopt, std::nullopt});
  }
  if (metrics.empty()) return false;
  if (!step) step = epoch_step;
  for (ParsedMetric& m : metrics) {
    m.step = step;
    m.timestamp_ms = timestamp;
    out.push_back(std::move(m));
  }
  return true;
}

// {"metric": k, "value": v[, "step": s][, "timestamp": t]}; nullopt when the
// object is not of this form at all (no "metric" field).
std::optional<bool> MetricValueObject(const std::vector<Field>& fields,
                                      std::vector<ParsedMetric>& out) {
  const Field *metric = nullptr, *value = nullptr, *step = nullptr, *timestamp = nullptr;
  for (const Field& f : fields) {
    if (f.key == "metric") {
      if (metric) return false;
      metric = &f;
    }
  }
  if (!metric) return std::nullopt;
  for (const Field& f : fields) {
    const Field** slot = f.key == "value"       ? &value
                         : f.key == "step"      ? &step
                         : f.key == "timestamp" ? &timestamp
                                                : nullptr;
    if (f.key == "metric") continue;
    if (!slot || *slot) return false;  // another field, or one given twice
    *slot = &f;
  }
  if (metric->value.kind != Value::Kind::kString || !IsValidMetricKey(metric->value.text) ||
      !value) {
    return false;
  }
  const std::optional<double> v = MetricValue(value->value);
  if (!v) return false;
  ParsedMetric m{metric->value.text, *v, std::nullopt, std::nullopt};
  for (auto [field, target] : {std::pair{step, &m.step}, std::pair{timestamp, &m.timestamp_ms}}) {
    if (!field) continue;
    if (field->value.kind != Value::Kind::kNumber || !field->value.integer) return false;
    *target = field->value.integer;
  }
  out.push_back(std::move(m));
  return true;
}

bool ParseRegexLine(const std::regex& re, std::string_view line, std::vector<ParsedMetric>& out) {
  if (line.size() > kMaxRegexLine) return false;
  std::vector<ParsedMetric> found;
  try {
    for (std::cregex_iterator it(line.data(), line.data() + line.size(), re), end; it != end;
         ++it) {
      const std::cmatch& m = *it;
      const std::string key = m[1].str();
      const std::optional<Value> value =
          ParseLooseNumber(std::string_view(m[2].first, m[2].second));
      if (!value || !IsValidMetricKey(key)) continue;
      ParsedMetric p{key, value->number, std::nullopt, std::nullopt};
      if (m.size() > 3 && m[3].matched) {
        const std::optional<Value> step =
            ParseLooseNumber(std::string_view(m[3].first, m[3].second));
        if (!step || !step->integer) continue;
        p.step = step->integer;
      }
      found.push_back(std::move(p));
    }
  } catch (const std::regex_error&) {
    return false;  // too complex for this line: not a metric line
  }
  if (found.empty()) return false;
  for (ParsedMetric& p : found) out.push_back(std::move(p));
  return true;
}

}  // namespace

bool IsValidMetricKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxMetricKeyLength) return false;
  for (char c : key) {
    if (!IsAlpha(c) && !IsDigit(c) && c != '_' && c != '-' && c != '.' && c != '/' && c != ' ')
      return false;
  }
  // posixpath.normpath(key) == key, as MLflow's path_not_unique checks.
  if (key.front() == '/' || key.back() == '/' || key.starts_with("..")) return false;
  size_t start = 0;
  while (start <= key.size()) {
    size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) slash = key.size();
    const std::string_view segment = key.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = slash + 1;
  }
  return true;
}

Result<MetricFormat> ParseMetricFormat(std::string_view text) {
  MetricFormat f;
  if (text == "auto") {
    f.kind = MetricFormat::Kind::kAuto;
  } else if (text == "json") {
    f.kind = MetricFormat::Kind::kJson;
  } else if (text == "keyvalue") {
    f.kind = MetricFormat::Kind::kKeyValue;
  } else if (text == "none") {
    f.kind = MetricFormat::Kind::kNone;
  } else if (text.starts_with("regex:")) {
    f.kind = MetricFormat::Kind::kRegex;
    f.pattern = std::string(text.substr(6));
    if (f.pattern.empty()) return InvalidArgument("metric format \"regex:\" needs a regex");
  } else {
    return InvalidArgument("metric format \"" + std::string(text) +
                           "\" is not one of auto, json, keyvalue, none, regex:<regex>");
  }
  return f;
}

Result<MetricLineParser> MetricLineParser::Create(const MetricFormat& format) {
  MetricLineParser p;
  p.kind_ = format.kind;
  if (format.kind == MetricFormat::Kind::kRegex) {
    try {
      auto re = std::make_shared<const std::regex>(format.pattern, std::regex::ECMAScript);
      if (re->mark_count() < 2) {
        return InvalidArgument("metric regex \"" + format.pattern +
                               "\" needs two groups: (key) and (value), then optionally (step)");
      }
      p.regex_ = std::move(re);
    } catch (const std::regex_error& e) {
      return InvalidArgument("metric regex \"" + format.pattern +
                             "\" does not compile: " + e.what());
    }
  }
  return p;
}

bool MetricLineParser::Parse(std::string_view line, std::vector<ParsedMetric>& out) const {
  switch (kind_) {
    case MetricFormat::Kind::kNone: return false;
    case MetricFormat::Kind::kJson: return ParseJsonMetricLine(line, out);
    case MetricFormat::Kind::kKeyValue: return ParseKeyValueMetricLine(line, out);
    case MetricFormat::Kind::kRegex: return ParseRegexLine(*regex_, line, out);
    case MetricFormat::Kind::kAuto: break;
  }
  const std::string_view trimmed = TrimSpace(line);
  if (!trimmed.empty() && trimmed.front() == '{') return ParseJsonMetricLine(line, out);
  return ParseKeyValueMetricLine(line, out);
}

bool ParseJsonMetricLine(std::string_view line, std::vector<ParsedMetric>& out) {
  std::optional<std::vector<Field>> fields = JsonReader(line).Object();
  if (!fields) return false;
  if (std::optional<bool> r = MetricValueObject(*fields, out)) return *r;
  return FieldsToMetrics(*fields, out);
}

bool ParseKeyValueMetricLine(std::string_view line, std::vector<ParsedMetric>& out) {
  std::vector<Field> fields;
  size_t i = 0;
  while (true) {
    while (i < line.size() && IsAsciiSpace(line[i])) ++i;
    if (i == line.size()) break;
    size_t end = i;
    while (end < line.size() && !IsAsciiSpace(line[end])) ++end;
    const std::string_view token = line.substr(i, end - i);
    i = end;
    const size_t eq = token.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    const std::string_view key = token.substr(0, eq);
    if (!IsAlpha(key[0]) && key[0] != '_') return false;
    std::optional<Value> value = ParseLooseNumber(token.substr(eq + 1));
    if (!value) return false;
    fields.push_back({std::string(key), std::move(*value)});
  }
  return FieldsToMetrics(fields, out);
}

}  // namespace runledger::capture
