// Checks the exposition with a real parser: the prometheus_client Python
// package's text parser (pinned in e2e/requirements.txt, run through the
// interpreter that e2e/python prints).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "metrics/buckets.h"
#include "metrics/process_metrics.h"
#include "metrics/registry.h"

namespace runledger::metrics {
namespace {

// Reads an exposition on stdin; prints its families as JSON (values as
// strings, so NaN and Inf survive the trip).
constexpr const char* kScript = R"PY(
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "help": f.documentation,
                "samples": [{"name": s.name, "labels": s.labels, "value": repr(s.value)}
                            for s in f.samples]})
print(json.dumps(out))
)PY";

std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0) out = "exit status " + std::to_string(rc) + ": " + out;
  return out;
}

// Parses `text` with prometheus_client; fails the test when it cannot.
nlohmann::json Parse(const std::string& text) {
  std::string python = Run(std::string(RUNLEDGER_SOURCE_DIR) + "/e2e/python");
  while (!python.empty() && python.back() == '\n') python.pop_back();
  EXPECT_FALSE(python.empty());
  char dir[] = "/tmp/metrics-parse-XXXXXX";
  EXPECT_NE(mkdtemp(dir), nullptr);
  std::string script = std::string(dir) + "/parse.py", input = std::string(dir) + "/input.txt";
  std::ofstream(script) << kScript;
  std::ofstream(input) << text;
  std::string out = Run("'" + python + "' '" + script + "' < '" + input + "' 2>&1");
  std::remove(script.c_str());
  std::remove(input.c_str());
  rmdir(dir);
  nlohmann::json j = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "parser said: " << out;
  return j;
}

const nlohmann::json* Family(const nlohmann::json& fams, const std::string& name) {
  for (const auto& f : fams) {
    if (f["name"] == name) return &f;
  }
  return nullptr;
}

TEST(ExpositionParse, RealParserReadsEveryKindOfFamily) {
  Registry r;
  auto& reconciles =
      r.Counter("controller_runtime_reconcile_total",
                "Total number of reconciliations per controller.", {"controller", "result"});
  reconciles.WithLabels({"trainingrun", "success"}).Add(5);
  reconciles.WithLabels({"trainingrun", "error"}).Inc();
  r.Gauge("workqueue_depth", "Current depth of workqueue.", {"name"})
      .WithLabels({"quote\" back\\slash\nnewline"})
      .Set(-2.5);
  auto& h = r.Histogram("controller_runtime_reconcile_time_seconds",
                        "Length of time per reconciliation.\nSecond line \\ here.", {"controller"},
                        ExponentialBuckets(0.001, 10, 3))
                .WithLabels({"trainingrun"});
  h.Observe(0.0005);
  h.Observe(0.05);
  h.Observe(5);
  r.GaugeCallback("leader_election_master_status", "Is leader.", [] { return 1; });
  r.GaugeCallback("odd_value", "NaN passes.",
                  [] { return std::numeric_limits<double>::quiet_NaN(); });

  nlohmann::json fams = Parse(r.Expose());
  ASSERT_TRUE(fams.is_array()) << fams.dump();
  ASSERT_EQ(fams.size(), 5u) << fams.dump();

  // The parser names a counter family without its _total suffix.
  const auto* c = Family(fams, "controller_runtime_reconcile");
  ASSERT_NE(c, nullptr) << fams.dump();
  EXPECT_EQ((*c)["type"], "counter");
  EXPECT_EQ((*c)["help"], "Total number of reconciliations per controller.");
  ASSERT_EQ((*c)["samples"].size(), 2u);
  EXPECT_EQ((*c)["samples"][0]["name"], "controller_runtime_reconcile_total");
  EXPECT_EQ((*c)["samples"][0]["labels"]["result"], "error");
  EXPECT_EQ((*c)["samples"][0]["value"], "1.0");
  EXPECT_EQ((*c)["samples"][1]["value"], "5.0");

  const auto* g = Family(fams, "workqueue_depth");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ((*g)["type"], "gauge");
  EXPECT_EQ((*g)["samples"][0]["labels"]["name"], "quote\" back\\slash\nnewline");
  EXPECT_EQ((*g)["samples"][0]["value"], "-2.5");

  const auto* hf = Family(fams, "controller_runtime_reconcile_time_seconds");
  ASSERT_NE(hf, nullptr);
  EXPECT_EQ((*hf)["type"], "histogram");
  EXPECT_EQ((*hf)["help"], "Length of time per reconciliation.\nSecond line \\ here.");
  const auto& s = (*hf)["samples"];
  ASSERT_EQ(s.size(), 6u) << s.dump();
  std::vector<std::pair<std::string, std::string>> buckets;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(s[i]["name"], "controller_runtime_reconcile_time_seconds_bucket");
    EXPECT_EQ(s[i]["labels"]["controller"], "trainingrun");
    buckets.emplace_back(s[i]["labels"]["le"], s[i]["value"]);
  }
  EXPECT_EQ(buckets, (std::vector<std::pair<std::string, std::string>>{
                         {"0.001", "1.0"}, {"0.01", "1.0"}, {"0.1", "2.0"}, {"+Inf", "3.0"}}));
  EXPECT_EQ(s[4]["name"], "controller_runtime_reconcile_time_seconds_sum");
  EXPECT_EQ(s[4]["value"], "5.0505");
  EXPECT_EQ(s[5]["name"], "controller_runtime_reconcile_time_seconds_count");
  EXPECT_EQ(s[5]["value"], "3.0");

  const auto* odd = Family(fams, "odd_value");
  ASSERT_NE(odd, nullptr);
  EXPECT_EQ((*odd)["samples"][0]["value"], "nan");
}

TEST(ExpositionParse, RealParserReadsProcessMetrics) {
  Registry r;
  RegisterProcessMetrics(r);
  nlohmann::json fams = Parse(r.Expose());
  ASSERT_TRUE(fams.is_array()) << fams.dump();
  std::vector<std::string> names;
  for (const auto& f : fams) names.push_back(f["name"]);
  EXPECT_EQ(names,
            (std::vector<std::string>{"process_cpu_seconds", "process_max_fds", "process_open_fds",
                                      "process_resident_memory_bytes", "process_start_time_seconds",
                                      "process_virtual_memory_bytes"}));
  EXPECT_EQ((*Family(fams, "process_cpu_seconds"))["type"], "counter");
}

}  // namespace
}  // namespace runledger::metrics
