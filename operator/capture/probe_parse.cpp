#include "capture/probe_parse.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace runledger::capture {

using nlohmann::json;

namespace {

// Calls `f(line)` for each line of `text`.
template <typename F>
void ForEachLine(std::string_view text, F f) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    f(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::optional<int64_t> ToInt(std::string_view s) {
  s = TrimSpace(s);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string Unquote(std::string_view v) {
  v = TrimSpace(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    v = v.substr(1, v.size() - 2);
  }
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;  // os-release allows \" \\ \$ \`
    out.push_back(v[i]);
  }
  return out;
}

// The value of "key<sep>value" when the line's key (trimmed) is `key`.
std::optional<std::string_view> ValueOf(std::string_view line, std::string_view key, char sep) {
  const size_t at = line.find(sep);
  if (at == std::string_view::npos || TrimSpace(line.substr(0, at)) != key) return std::nullopt;
  return TrimSpace(line.substr(at + 1));
}

}  // namespace

std::string ParseOsRelease(std::string_view text) {
  std::string pretty, name, version;
  ForEachLine(text, [&](std::string_view line) {
    if (auto v = ValueOf(line, "PRETTY_NAME", '=')) pretty = Unquote(*v);
    if (auto v = ValueOf(line, "NAME", '=')) name = Unquote(*v);
    if (auto v = ValueOf(line, "VERSION_ID", '=')) version = Unquote(*v);
  });
  if (!pretty.empty()) return pretty;
  if (!name.empty() && !version.empty()) return name + " " + version;
  return name;
}

std::string ParseCpuModel(std::string_view cpuinfo) {
  std::string found[4];  // in order of preference
  const char* keys[4] = {"model name", "Model", "Hardware", "cpu model"};
  ForEachLine(cpuinfo, [&](std::string_view line) {
    for (int i = 0; i < 4; ++i) {
      if (!found[i].empty()) continue;
      if (auto v = ValueOf(line, keys[i], ':'); v && !v->empty()) found[i] = std::string(*v);
    }
  });
  for (const auto& f : found) {
    if (!f.empty()) return f;
  }
  return "";
}

int64_t ParseMemTotal(std::string_view meminfo) {
  int64_t bytes = 0;
  ForEachLine(meminfo, [&](std::string_view line) {
    auto v = ValueOf(line, "MemTotal", ':');
    if (!v) return;
    std::string_view number = *v;
    if (number.ends_with("kB")) number.remove_suffix(2);
    if (auto kb = ToInt(number)) bytes = *kb * 1024;
  });
  return bytes;
}

std::map<std::string, std::string> ParseProcCgroup(std::string_view text) {
  std::map<std::string, std::string> out;
  ForEachLine(text, [&](std::string_view line) {
    const size_t a = line.find(':');
    if (a == std::string_view::npos) return;
    const size_t b = line.find(':', a + 1);
    if (b == std::string_view::npos) return;
    std::string_view controllers = line.substr(a + 1, b - a - 1);
    const std::string path(TrimSpace(line.substr(b + 1)));
    if (line.substr(0, a) == "0" && controllers.empty()) {
      out["v2"] = path;
      return;
    }
    while (!controllers.empty()) {
      const size_t comma = controllers.find(',');
      out[std::string(controllers.substr(0, comma))] = path;
      if (comma == std::string_view::npos) break;
      controllers.remove_prefix(comma + 1);
    }
  });
  return out;
}

std::optional<double> ParseCpuMax(std::string_view text) {
  text = TrimSpace(text);
  const size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto quota = ToInt(text.substr(0, space));  // "max" fails here: no limit
  auto period = ToInt(text.substr(space + 1));
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  return static_cast<double>(*quota) / static_cast<double>(*period);
}

std::optional<double> ParseCfsQuota(std::string_view quota, std::string_view period) {
  auto q = ToInt(quota);
  auto p = ToInt(period);
  if (!q || !p || *q <= 0 || *p <= 0) return std::nullopt;
  return static_cast<double>(*q) / static_cast<double>(*p);
}

std::optional<int64_t> ParseMemoryLimit(std::string_view text) {
  auto v = ToInt(text);
  if (!v || *v <= 0 || *v >= (int64_t{1} << 62)) return std::nullopt;
  return v;
}

std::string ParsePythonVersion(std::string_view text) {
  text = TrimSpace(text);
  if (!text.starts_with("Python ")) return "";
  text.remove_prefix(7);
  const size_t end = text.find_first_of(" \t\r\n");
  text = text.substr(0, end);
  if (text.empty() || text.front() < '0' || text.front() > '9') return "";
  return std::string(text);
}

std::map<std::string, std::string> ParsePackages(std::string_view json_text) {
  std::map<std::string, std::string> out;
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    for (const auto& [name, version] : doc.items()) {
      if (version.is_string()) out[name] = version.get<std::string>();
    }
  } else if (doc.is_array()) {
    for (const auto& entry : doc) {
      if (!entry.is_object()) continue;
      auto name = entry.find("name");
      auto version = entry.find("version");
      if (name != entry.end() && name->is_string() && version != entry.end() &&
          version->is_string()) {
        out[name->get<std::string>()] = version->get<std::string>();
      }
    }
  }
  return out;
}

GpuList ParseNvidiaSmi(std::string_view csv) {
  GpuList list;
  ForEachLine(csv, [&](std::string_view line) {
    line = TrimSpace(line);
    if (line.empty()) return;
    std::vector<std::string_view> fields;
    while (true) {
      const size_t comma = line.find(',');
      fields.push_back(TrimSpace(line.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      line.remove_prefix(comma + 1);
    }
    if (fields.size() < 3 || fields[0].empty()) return;
    Gpu gpu{std::string(fields[0]), 0};
    std::string_view memory = fields[1];
    if (memory.ends_with("MiB")) memory.remove_suffix(3);
    gpu.memory_mib = ToInt(memory).value_or(0);
    list.gpus.push_back(std::move(gpu));
    if (list.driver.empty()) list.driver = std::string(fields[2]);
  });
  return list;
}

std::optional<Framework> ParseFrameworkProbe(std::string_view json_text) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_string() || version->get<std::string>().empty()) {
    return std::nullopt;
  }
  Framework f{version->get<std::string>(), ""};
  if (auto cuda = doc.find("cuda"); cuda != doc.end() && cuda->is_string()) {
    f.cuda = cuda->get<std::string>();
  }
  return f;
}

}  // namespace runledger::capture
