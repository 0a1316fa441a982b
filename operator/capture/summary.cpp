#include "capture/summary.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <utility>

namespace runledger::capture {

using nlohmann::json;

namespace {

constexpr char kMarker[] = "runledgerCapture";
constexpr size_t kMaxString = 256;     // per value in the summary
constexpr size_t kMaxEnvValue = 1024;  // the CRD's maxLength for status.env values
constexpr size_t kMinLimit = 64;

// `s` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string Clip(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t n = max;
  // Back off over continuation bytes (10xxxxxx) to the start of a sequence.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

// Compact JSON; invalid UTF-8 becomes U+FFFD instead of an exception, so a
// strange /etc/os-release can never make the summary unwritable.
std::string Dump(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

json StringMap(const std::map<std::string, std::string>& m) {
  json out = json::object();
  for (const auto& [k, v] : m) out[Clip(k, kMaxString)] = Clip(v, kMaxString);
  return out;
}

json FullDocument(const CaptureSummary& s) {
  json doc = {{kMarker, kSummaryFormatVersion}};
  auto put = [&doc](const char* key, const std::string& value) {
    if (!value.empty()) doc[key] = Clip(value, kMaxString);
  };
  put("os", s.os);
  put("kernel", s.kernel);
  json cpu = json::object();
  if (!s.cpu_model.empty()) cpu["model"] = Clip(s.cpu_model, kMaxString);
  if (s.cpu_count > 0) cpu["count"] = s.cpu_count;
  if (s.cpu_limit) cpu["limit"] = *s.cpu_limit;
  if (!cpu.empty()) doc["cpu"] = std::move(cpu);
  json memory = json::object();
  if (s.memory_bytes > 0) memory["total"] = s.memory_bytes;
  if (s.memory_limit_bytes) memory["limit"] = *s.memory_limit_bytes;
  if (!memory.empty()) doc["memory"] = std::move(memory);
  put("python", s.python);
  if (!s.frameworks.empty()) {
    json fw = json::object();
    for (const auto& [name, f] : s.frameworks) {
      json entry = {{"version", Clip(f.version, kMaxString)}};
      if (!f.cuda.empty()) entry["cuda"] = Clip(f.cuda, kMaxString);
      fw[Clip(name, kMaxString)] = std::move(entry);
    }
    doc["frameworks"] = std::move(fw);
  }
  put("cuda", s.cuda);
  put("driver", s.driver);
  if (s.gpus_probed) {
    json gpus = json::array();
    for (const auto& g : s.gpus) {
      json entry = {{"name", Clip(g.name, kMaxString)}};
      if (g.memory_mib > 0) entry["memoryMiB"] = g.memory_mib;
      gpus.push_back(std::move(entry));
    }
    doc["gpus"] = std::move(gpus);
  }
  if (!s.env.empty()) doc["env"] = StringMap(s.env);
  if (!s.packages.empty()) doc["packages"] = StringMap(s.packages);
  if (!s.errors.empty()) doc["errors"] = StringMap(s.errors);
  return doc;
}

// Drops `key` (an object) from `doc`, then puts back as many of its entries,
// in order, as still fit. Returns whether the document fits afterwards.
bool DropObjectPartly(json& doc, const char* key, size_t limit) {
  auto it = doc.find(key);
  if (it == doc.end()) return Dump(doc).size() <= limit;
  json all = std::move(*it);
  doc.erase(it);
  doc["truncated"].push_back(key);
  if (Dump(doc).size() > limit) return false;
  json kept = json::object();
  for (auto& [k, v] : all.items()) {
    kept[k] = v;
    doc[key] = kept;
    if (Dump(doc).size() > limit) {
      kept.erase(k);
      break;
    }
  }
  if (kept.empty()) {
    doc.erase(key);
  } else {
    doc[key] = std::move(kept);
  }
  return true;
}

std::string StringField(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> IntField(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::map<std::string, std::string> StringMapField(const json& obj, const char* key) {
  std::map<std::string, std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

std::string Format(const char* fmt, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, value);
  return buf;
}

std::string GiB(int64_t bytes) {
  return Format("%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
}

}  // namespace

std::string WriteSummary(const CaptureSummary& summary, size_t limit) {
  if (limit < kMinLimit) limit = kMinLimit;
  json doc = FullDocument(summary);
  std::string text = Dump(doc);
  if (text.size() <= limit) return text;

  doc["truncated"] = json::array();
  // Least important first. Each step returns whether the document now fits.
  const std::vector<std::function<bool()>> steps = {
      [&] { return DropObjectPartly(doc, "packages", limit); },
      [&] { return DropObjectPartly(doc, "env", limit); },
      [&] { return DropObjectPartly(doc, "errors", limit); },
      [&] {
        if (doc.erase("kernel") > 0) doc["truncated"].push_back("kernel");
        return Dump(doc).size() <= limit;
      },
      [&] {
        if (auto gpus = doc.find("gpus"); gpus != doc.end()) {
          for (auto& g : *gpus) g.erase("memoryMiB");
          doc["truncated"].push_back("gpus");
        }
        return Dump(doc).size() <= limit;
      },
      [&] { return DropObjectPartly(doc, "frameworks", limit); },
  };
  for (const auto& step : steps) {
    if (step()) return Dump(doc);
  }
  // Only pathological input gets here (e.g. thousands of GPUs): keep the
  // marker so the reader still knows whose message this is.
  return Dump(json{{kMarker, kSummaryFormatVersion}, {"truncated", json::array({"all"})}});
}

Result<CaptureSummary> ParseSummary(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgument("the termination message is not a JSON object");
  }
  auto marker = doc.find(kMarker);
  if (marker == doc.end() || !marker->is_number_integer() || marker->get<int64_t>() < 1) {
    return InvalidArgument(std::string("the termination message has no \"") + kMarker +
                           "\" marker: it was not written by runledger-capture");
  }
  CaptureSummary s;
  s.os = StringField(doc, "os");
  s.kernel = StringField(doc, "kernel");
  if (auto cpu = doc.find("cpu"); cpu != doc.end() && cpu->is_object()) {
    s.cpu_model = StringField(*cpu, "model");
    s.cpu_count = IntField(*cpu, "count").value_or(0);
    if (auto limit = cpu->find("limit"); limit != cpu->end() && limit->is_number()) {
      s.cpu_limit = limit->get<double>();
    }
  }
  if (auto memory = doc.find("memory"); memory != doc.end() && memory->is_object()) {
    s.memory_bytes = IntField(*memory, "total").value_or(0);
    s.memory_limit_bytes = IntField(*memory, "limit");
  }
  s.python = StringField(doc, "python");
  if (auto fw = doc.find("frameworks"); fw != doc.end() && fw->is_object()) {
    for (const auto& [name, entry] : fw->items()) {
      if (!entry.is_object()) continue;
      s.frameworks[name] = {StringField(entry, "version"), StringField(entry, "cuda")};
    }
  }
  s.cuda = StringField(doc, "cuda");
  s.driver = StringField(doc, "driver");
  if (auto gpus = doc.find("gpus"); gpus != doc.end() && gpus->is_array()) {
    s.gpus_probed = true;
    for (const auto& g : *gpus) {
      if (!g.is_object()) continue;
      s.gpus.push_back({StringField(g, "name"), IntField(g, "memoryMiB").value_or(0)});
    }
  }
  s.env = StringMapField(doc, "env");
  s.packages = StringMapField(doc, "packages");
  s.errors = StringMapField(doc, "errors");
  if (auto t = doc.find("truncated"); t != doc.end() && t->is_array()) {
    for (const auto& name : *t) {
      if (name.is_string()) s.truncated.push_back(name.get<std::string>());
    }
  }
  return s;
}

std::string GpuText(const CaptureSummary& summary) {
  if (!summary.gpus_probed) return "";
  if (summary.gpus.empty()) return "none";
  std::vector<std::pair<std::string, int>> counts;  // in order of first appearance
  for (const auto& g : summary.gpus) {
    std::string_view name = g.name;
    if (name.starts_with("NVIDIA ")) name.remove_prefix(7);
    if (name.empty()) name = "unknown";
    auto it =
        std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == name; });
    if (it == counts.end()) {
      counts.emplace_back(std::string(name), 1);
    } else {
      ++it->second;
    }
  }
  std::string out;
  for (const auto& [name, n] : counts) {
    if (!out.empty()) out += ", ";
    out += name + " x" + std::to_string(n);
  }
  return out;
}

std::map<std::string, std::string> StatusEnv(const CaptureSummary& s) {
  std::map<std::string, std::string> env;
  auto put = [&env](const std::string& key, const std::string& value) {
    if (!value.empty()) env[key] = Clip(value, kMaxEnvValue);
  };
  put("python", s.python);
  for (const auto& [name, f] : s.frameworks) put(name, f.version);
  put("cuda", s.cuda);
  put("driver", s.driver);
  put("gpu", GpuText(s));
  std::string cpu;
  if (!s.cpu_model.empty()) cpu = s.cpu_model;
  if (s.cpu_count > 0) {
    cpu += cpu.empty() ? std::to_string(s.cpu_count) + " CPUs" : " x" + std::to_string(s.cpu_count);
  }
  if (s.cpu_limit) cpu += (cpu.empty() ? "" : ", ") + Format("limit %g", *s.cpu_limit);
  put("cpu", cpu);
  std::string memory;
  if (s.memory_bytes > 0) memory = GiB(s.memory_bytes);
  if (s.memory_limit_bytes) {
    memory += (memory.empty() ? "limit " : ", limit ") + GiB(*s.memory_limit_bytes);
  }
  put("memory", memory);
  put("os", s.os);
  return env;
}

}  // namespace runledger::capture
