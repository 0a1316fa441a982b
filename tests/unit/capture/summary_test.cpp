// The summary format: what the operator reads back, and truncation that
// always stays valid JSON within the kubelet's 4096 bytes.
#include "capture/summary.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace runledger::capture {
namespace {

using nlohmann::json;

CaptureSummary Typical() {
  CaptureSummary s;
  s.os = "Debian GNU/Linux 12 (bookworm)";
  s.kernel = "Linux 6.1.0-18-amd64 x86_64";
  s.cpu_model = "AMD EPYC 9654";
  s.cpu_count = 8;
  s.cpu_limit = 2.0;
  s.memory_bytes = int64_t{32} << 30;
  s.memory_limit_bytes = int64_t{4} << 30;
  s.python = "3.11.7";
  s.frameworks["torch"] = {"2.3.1+cu121", "12.1"};
  s.cuda = "12.1";
  s.driver = "550.54.15";
  s.gpus_probed = true;
  s.gpus = {{"NVIDIA H200", 143771}};
  s.env["RUNLEDGER_RUN"] = "lr-3e-4";
  s.packages["numpy"] = "1.26.4";
  return s;
}

// Many packages and variables: far beyond 4096 bytes in full.
CaptureSummary Huge() {
  CaptureSummary s = Typical();
  for (int i = 0; i < 2000; ++i)
    s.packages["package-" + std::to_string(i)] = "1.0." + std::to_string(i);
  for (int i = 0; i < 200; ++i) s.env["PYTHON_VAR_" + std::to_string(i)] = std::string(100, 'v');
  return s;
}

TEST(CaptureSummary, RoundTripsEveryField) {
  CaptureSummary in = Typical();
  in.errors["jax"] = "importing it failed (exit 1)";
  auto out = ParseSummary(WriteSummary(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->os, in.os);
  EXPECT_EQ(out->kernel, in.kernel);
  EXPECT_EQ(out->cpu_model, in.cpu_model);
  EXPECT_EQ(out->cpu_count, 8);
  EXPECT_EQ(out->cpu_limit, 2.0);
  EXPECT_EQ(out->memory_bytes, in.memory_bytes);
  EXPECT_EQ(out->memory_limit_bytes, in.memory_limit_bytes);
  EXPECT_EQ(out->python, "3.11.7");
  EXPECT_EQ(out->frameworks["torch"].version, "2.3.1+cu121");
  EXPECT_EQ(out->frameworks["torch"].cuda, "12.1");
  EXPECT_EQ(out->driver, "550.54.15");
  ASSERT_EQ(out->gpus.size(), 1u);
  EXPECT_EQ(out->gpus[0].memory_mib, 143771);
  EXPECT_EQ(out->env, in.env);
  EXPECT_EQ(out->packages, in.packages);
  EXPECT_EQ(out->errors, in.errors);
  EXPECT_TRUE(out->truncated.empty());
}

TEST(CaptureSummary, HugeSummaryFitsInTerminationMessageAsValidJson) {
  const std::string text = WriteSummary(Huge());
  EXPECT_LE(text.size(), kTerminationMessageLimit);
  EXPECT_TRUE(json::accept(text)) << text;
  auto out = ParseSummary(text);
  ASSERT_TRUE(out.ok());
  // The fields status.env is made of survive; the package list is what gave way.
  EXPECT_EQ(out->python, "3.11.7");
  EXPECT_EQ(GpuText(*out), "H200 x1");
  EXPECT_EQ(out->frameworks["torch"].version, "2.3.1+cu121");
  EXPECT_NE(std::find(out->truncated.begin(), out->truncated.end(), "packages"),
            out->truncated.end());
}

TEST(CaptureSummary, PackagesAreDroppedBeforeEnv) {
  CaptureSummary s = Typical();
  for (int i = 0; i < 400; ++i) s.packages["p" + std::to_string(i)] = "1.0";
  const std::string text = WriteSummary(s);
  ASSERT_LE(text.size(), kTerminationMessageLimit);
  auto out = ParseSummary(text);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->env, s.env);  // untouched: dropping packages was enough
  EXPECT_LT(out->packages.size(), s.packages.size());
  EXPECT_EQ(out->truncated, std::vector<std::string>{"packages"});
}

TEST(CaptureSummary, DroppedGroupKeepsTheEntriesThatFit) {
  CaptureSummary s = Typical();
  for (int i = 0; i < 400; ++i) s.packages["p" + std::to_string(i)] = "1.0";
  auto out = ParseSummary(WriteSummary(s));
  ASSERT_TRUE(out.ok());
  EXPECT_GT(out->packages.size(), 50u);  // partly kept, not all-or-nothing
  for (const auto& [name, version] : out->packages) EXPECT_EQ(s.packages.at(name), version);
}

TEST(CaptureSummary, EveryLimitGivesValidJsonWithinIt) {
  const CaptureSummary s = Huge();
  for (size_t limit = 64; limit <= kTerminationMessageLimit; limit += 97) {
    const std::string text = WriteSummary(s, limit);
    ASSERT_LE(text.size(), limit);
    ASSERT_TRUE(ParseSummary(text).ok()) << "limit " << limit << ": " << text;
  }
}

TEST(CaptureSummary, PathologicalGpuListStillGivesMarker) {
  CaptureSummary s = Typical();
  for (int i = 0; i < 5000; ++i) s.gpus.push_back({"NVIDIA H200 number " + std::to_string(i), 1});
  const std::string text = WriteSummary(s);
  EXPECT_LE(text.size(), kTerminationMessageLimit);
  auto out = ParseSummary(text);
  ASSERT_TRUE(out.ok()) << text;
  EXPECT_EQ(out->truncated, std::vector<std::string>{"all"});
}

TEST(CaptureSummary, InvalidUtf8IsReplacedNotFatal) {
  CaptureSummary s = Typical();
  s.os = "Bad \xff\xfe OS";
  const std::string text = WriteSummary(s);
  EXPECT_TRUE(json::accept(text));
  auto out = ParseSummary(text);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->os, "Bad \xEF\xBF\xBD\xEF\xBF\xBD OS");
}

TEST(CaptureSummary, LongStringIsCutOnUtf8Boundary) {
  CaptureSummary s = Typical();
  s.cpu_model = std::string(255, 'x') + "\xc3\xa9";  // 'é' straddles byte 256
  auto out = ParseSummary(WriteSummary(s));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->cpu_model, std::string(255, 'x'));
}

TEST(CaptureSummary, ParseRejectsTextThatIsNotJson) {
  auto r = ParseSummary("Traceback (most recent call last):\n");
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST(CaptureSummary, ParseRejectsJsonWithoutMarker) {
  auto r = ParseSummary(R"({"python":"3.11.7"})");
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("runledgerCapture"), std::string::npos);
}

TEST(CaptureSummary, ParseIgnoresUnknownKeysAndWrongTypes) {
  auto r = ParseSummary(R"({"runledgerCapture":2,"python":3,"os":"X","future":{"a":1},
                            "gpus":[{"name":"NVIDIA T4"},7]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->python, "");
  EXPECT_EQ(r->os, "X");
  EXPECT_EQ(GpuText(*r), "T4 x1");
}

TEST(CaptureSummary, GpuTextCountsIdenticalModels) {
  CaptureSummary s;
  s.gpus_probed = true;
  s.gpus = {{"NVIDIA A100-SXM4-80GB", 0}, {"Tesla T4", 0}, {"NVIDIA A100-SXM4-80GB", 0}};
  EXPECT_EQ(GpuText(s), "A100-SXM4-80GB x2, Tesla T4 x1");
}

TEST(CaptureSummary, GpuTextNoneOnlyWhenProbed) {
  CaptureSummary s;
  EXPECT_EQ(GpuText(s), "");
  s.gpus_probed = true;
  EXPECT_EQ(GpuText(s), "none");
}

TEST(CaptureSummary, StatusEnvHasTheRunsEnvironment) {
  auto env = StatusEnv(Typical());
  EXPECT_EQ(env["python"], "3.11.7");
  EXPECT_EQ(env["torch"], "2.3.1+cu121");
  EXPECT_EQ(env["cuda"], "12.1");
  EXPECT_EQ(env["driver"], "550.54.15");
  EXPECT_EQ(env["gpu"], "H200 x1");
  EXPECT_EQ(env["cpu"], "AMD EPYC 9654 x8, limit 2");
  EXPECT_EQ(env["memory"], "32.0 GiB, limit 4.0 GiB");
  EXPECT_EQ(env["os"], "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(env.count("imageDigest"), 0u);
}

TEST(CaptureSummary, StatusEnvLeavesOutWhatIsUnknown) {
  CaptureSummary s;
  s.python = "3.12.1";
  auto env = StatusEnv(s);
  EXPECT_EQ(env, (std::map<std::string, std::string>{{"python", "3.12.1"}}));
}

}  // namespace
}  // namespace runledger::capture
