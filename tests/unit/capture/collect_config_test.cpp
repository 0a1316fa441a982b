// When metric collection is on, and where it sends (capture/collect_config.h),
// and the metric flags (capture/args.h).
#include "capture/collect_config.h"

#include <gtest/gtest.h>

#include <map>

namespace runledger::capture {
namespace {

using Env = std::map<std::string, std::string>;

CollectDecision Decide(const Env& env, const std::vector<std::string>& flags = {"--", "true"}) {
  auto lookup = [&env](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto options = ParseArgs(flags, lookup);
  EXPECT_TRUE(options.ok()) << options.status().message();
  return DecideCollect(*options, lookup);
}

const Env kOn = {{"MLFLOW_TRACKING_URI", "http://10.96.0.12:8080"},
                 {"MLFLOW_RUN_ID", "r1"},
                 {"MLFLOW_EXPERIMENT_ID", "3"},
                 {"MLFLOW_TRACKING_TOKEN", "t"}};

TEST(CollectConfigTest, TrackingUris) {
  auto t = ParseTrackingUri("http://10.96.0.12:8080");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->address, "10.96.0.12");
  EXPECT_EQ(t->port, 8080);
  EXPECT_EQ(t->path_prefix, "");
  t = ParseTrackingUri("http://[fd00::1]:5000/mlflow/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->address, "fd00::1");
  EXPECT_EQ(t->port, 5000);
  EXPECT_EQ(t->path_prefix, "/mlflow");
  for (const char* bad : {"https://10.0.0.1:443", "http://tracking:5000", "http://10.0.0.1",
                          "http://10.0.0.1:0", "http://10.0.0.1:70000", "http://10.0.0.1:80?x",
                          "http://[fd00::1]5000", "http://fd00::1:5000", "10.0.0.1:80", ""}) {
    EXPECT_FALSE(ParseTrackingUri(bad).ok()) << bad;
  }
}

TEST(CollectConfigTest, OnWithDefaults) {
  const CollectDecision d = Decide(kOn);
  ASSERT_TRUE(d.config);
  EXPECT_EQ(d.note, "");
  EXPECT_EQ(d.config->run_id, "r1");
  EXPECT_EQ(d.config->experiment_id, "3");
  EXPECT_EQ(d.config->token, "t");
  EXPECT_EQ(d.config->format.kind, MetricFormat::Kind::kAuto);
  EXPECT_EQ(d.config->flush_timeout, std::chrono::seconds(30));
  EXPECT_EQ(d.config->buffer_points, 100000u);
  EXPECT_EQ(d.config->spill_dir, "/tmp");
}

TEST(CollectConfigTest, UnsetUriIsSilentlyOff) {
  const CollectDecision d = Decide({{"MLFLOW_RUN_ID", "r1"}});
  EXPECT_FALSE(d.config);
  EXPECT_EQ(d.note, "");
}

TEST(CollectConfigTest, UnusableSettingsAreOffWithANote) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"MLFLOW_TRACKING_URI", "http://mlflow:5000"},
           {"MLFLOW_RUN_ID", ""},
           {"RUNLEDGER_METRIC_FORMAT", "yaml"},
           {"RUNLEDGER_METRIC_FORMAT", "regex:(unclosed"},
           {"RUNLEDGER_METRIC_FLUSH_TIMEOUT", "soon"},
           {"RUNLEDGER_METRIC_BUFFER", "0"}}) {
    Env env = kOn;
    env[name] = value;
    const CollectDecision d = Decide(env);
    EXPECT_FALSE(d.config) << name << "=" << value;
    EXPECT_TRUE(d.note.starts_with("metric collection is off: ")) << d.note;
  }
}

TEST(CollectConfigTest, FormatNoneIsSilentlyOff) {
  Env env = kOn;
  env["RUNLEDGER_METRIC_FORMAT"] = "none";
  const CollectDecision d = Decide(env);
  EXPECT_FALSE(d.config);
  EXPECT_EQ(d.note, "");
}

TEST(CollectConfigTest, FlagsWinOverVariables) {
  Env env = kOn;
  env["RUNLEDGER_METRIC_FORMAT"] = "json";
  env["RUNLEDGER_METRIC_FLUSH_TIMEOUT"] = "5";
  env["RUNLEDGER_METRIC_SPILL_DIR"] = "/var/spill";
  env["TMPDIR"] = "/scratch";
  CollectDecision d = Decide(env);
  ASSERT_TRUE(d.config);
  EXPECT_EQ(d.config->format.kind, MetricFormat::Kind::kJson);
  EXPECT_EQ(d.config->flush_timeout, std::chrono::seconds(5));
  EXPECT_EQ(d.config->spill_dir, "/var/spill");
  d = Decide(env, {"--metric-format=keyvalue", "--flush-timeout=1.5", "--spill-dir=/x",
                   "--metric-buffer=7", "--", "true"});
  ASSERT_TRUE(d.config);
  EXPECT_EQ(d.config->format.kind, MetricFormat::Kind::kKeyValue);
  EXPECT_EQ(d.config->flush_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(d.config->spill_dir, "/x");
  EXPECT_EQ(d.config->buffer_points, 7u);
  env.erase("RUNLEDGER_METRIC_SPILL_DIR");
  EXPECT_EQ(Decide(env).config->spill_dir, "/scratch");
}

TEST(CollectConfigTest, BadMetricFlagsAreUsageErrors) {
  auto none = [](const char*) { return std::optional<std::string>(); };
  for (const char* flag : {"--metric-format=yaml", "--metric-format=regex:(a)",
                           "--flush-timeout=-1", "--metric-buffer=0", "--metric-buffer=x"}) {
    auto o = ParseArgs({flag, "--", "true"}, none);
    EXPECT_FALSE(o.ok()) << flag;
  }
}

}  // namespace
}  // namespace runledger::capture
