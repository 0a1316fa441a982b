// The queue between the output loop and the pusher (capture/metric_buffer.h),
// the log-batch body (capture/metric_pusher.h) and the run's end status and
// requirements (capture/run_end.h).
#include "capture/metric_buffer.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "capture/metric_pusher.h"
#include "capture/run_end.h"
#include "capture_process.h"

namespace runledger::capture {
namespace {

MetricPoint P(int i) { return {"k " + std::to_string(i), i + 0.5, 1000 + i, i}; }

std::vector<int> Steps(const std::vector<MetricPoint>& points) {
  std::vector<int> out;
  for (const MetricPoint& p : points) out.push_back(static_cast<int>(p.step));
  return out;
}

TEST(MetricBufferTest, PointsBeyondMemoryComeBackFromTheSpillFileInOrder) {
  testing::TempDir dir;
  MetricBuffer buffer(3, dir.path());
  for (int i = 0; i < 10; ++i) buffer.Add(P(i));
  EXPECT_EQ(buffer.size(), 10u);
  EXPECT_EQ(buffer.spilled(), 7u);
  EXPECT_EQ(Steps(buffer.Take(4)), (std::vector{0, 1, 2, 3}));
  buffer.Add(P(10));  // still behind the spilled ones
  const auto rest = buffer.Take(100);
  EXPECT_EQ(Steps(rest), (std::vector{4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(rest[1].key, "k 5");
  EXPECT_EQ(rest[1].value, 5.5);
  EXPECT_EQ(rest[1].timestamp_ms, 1005);
  EXPECT_EQ(buffer.size(), 0u);
  // The file is read to its end: memory takes points again.
  buffer.Add(P(11));
  EXPECT_EQ(buffer.spilled(), 8u);
  EXPECT_EQ(Steps(buffer.Take(5)), std::vector{11});
  EXPECT_EQ(buffer.dropped(), 0u);
}

TEST(MetricBufferTest, SpilledValuesAreExact) {
  testing::TempDir dir;
  MetricBuffer buffer(0, dir.path());
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (double v : {0.1, -1e-300, 1e300, kInf, -kInf, std::nan("")}) {
    buffer.Add({"v", v, 1, 2});
  }
  const auto points = buffer.Take(10);
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(points[0].value, 0.1);
  EXPECT_EQ(points[1].value, -1e-300);
  EXPECT_EQ(points[2].value, 1e300);
  EXPECT_EQ(points[3].value, kInf);
  EXPECT_EQ(points[4].value, -kInf);
  EXPECT_TRUE(std::isnan(points[5].value));
}

TEST(MetricBufferTest, WithoutASpillFilePointsBeyondMemoryAreDropped) {
  MetricBuffer buffer(2, "/nonexistent/dir");
  for (int i = 0; i < 5; ++i) buffer.Add(P(i));
  EXPECT_EQ(Steps(buffer.Take(10)), (std::vector{0, 1}));
  EXPECT_EQ(buffer.dropped(), 3u);
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(LogBatchJsonTest, MlflowsJsonWithSpecialValuesAsStrings) {
  const std::string body =
      LogBatchJson("r\"1", {{"loss", 0.1, 5, 6},
                            {"a", std::nan(""), 1, 0},
                            {"b", std::numeric_limits<double>::infinity(), 1, 0},
                            {"c", -std::numeric_limits<double>::infinity(), 1, 0}});
  EXPECT_EQ(body,
            R"({"run_id":"r\"1","metrics":[{"key":"loss","value":0.1,"timestamp":5,"step":6},)"
            R"({"key":"a","value":"NaN","timestamp":1,"step":0},)"
            R"({"key":"b","value":"Infinity","timestamp":1,"step":0},)"
            R"({"key":"c","value":"-Infinity","timestamp":1,"step":0}]})");
  EXPECT_TRUE(nlohmann::json::accept(body));
}

TEST(RunEndTest, StatusFollowsHowTheCommandEnded) {
  EXPECT_EQ(MlflowRunStatus(0), "FINISHED");
  EXPECT_EQ(MlflowRunStatus(3 << 8), "FAILED");
  EXPECT_EQ(MlflowRunStatus(SIGKILL), "KILLED");  // WIFSIGNALED
}

TEST(RunEndTest, RequirementsInPipFreezeForm) {
  CaptureSummary s;
  s.packages = {{"torch", "2.3.1+cu121"}, {"numpy", "1.26.4"}};
  EXPECT_EQ(RequirementsText(s), "numpy==1.26.4\ntorch==2.3.1+cu121\n");
}

}  // namespace
}  // namespace runledger::capture
