// libFuzzer target: the metric-line parser (capture/metric_line.h) must
// never crash, must only ever yield valid MLflow keys, and must accept as
// JSON only what a full JSON parser (nlohmann) reads as the same object:
// the hand parser may refuse more, never accept more or read differently.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "capture/metric_line.h"

using namespace runledger::capture;

namespace {

bool SameValue(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// `line` was accepted as JSON: nlohmann must agree on every metric.
void CheckAgainstNlohmann(std::string_view line, const std::vector<ParsedMetric>& metrics) {
  // nlohmann refuses the bare NaN/Infinity tokens that Python writes.
  if (line.find("NaN") != std::string_view::npos ||
      line.find("Infinity") != std::string_view::npos) {
    return;
  }
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) std::abort();
  if (j.contains("metric")) {
    if (metrics.size() != 1 || j["metric"] != metrics[0].key) std::abort();
    const auto& v = j["value"];
    if (v.is_number() && !SameValue(v.get<double>(), metrics[0].value)) std::abort();
    return;
  }
  for (const ParsedMetric& m : metrics) {
    if (!j.contains(m.key) || !j[m.key].is_number()) {
      if (!j.contains(m.key) || !j[m.key].is_string()) std::abort();  // "NaN" as a string
      continue;
    }
    if (!SameValue(j[m.key].get<double>(), m.value)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  std::vector<ParsedMetric> out;
  if (ParseJsonMetricLine(line, out)) {
    if (out.empty()) std::abort();
    CheckAgainstNlohmann(line, out);
  }
  out.clear();
  if (ParseKeyValueMetricLine(line, out) && out.empty()) std::abort();
  for (const ParsedMetric& m : out) {
    if (!IsValidMetricKey(m.key)) std::abort();
  }
  return 0;
}
