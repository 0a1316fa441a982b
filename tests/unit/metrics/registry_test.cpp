#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <thread>

#include "metrics/buckets.h"

namespace runledger::metrics {
namespace {

TEST(Registry, CounterWithLabelsIsExposedWithHelpAndType) {
  Registry r;
  r.Counter("reconcile_total", "Reconciles done.", {"controller", "result"})
      .WithLabels({"tr", "success"})
      .Add(3);
  EXPECT_EQ(r.Expose(),
            "# HELP reconcile_total Reconciles done.\n"
            "# TYPE reconcile_total counter\n"
            "reconcile_total{controller=\"tr\",result=\"success\"} 3\n");
}

TEST(Registry, UnlabelledFamilyIsExposedAsZeroBeforeFirstUse) {
  Registry r;
  r.Gauge("leader", "Is leader.");
  EXPECT_EQ(r.Expose(), "# HELP leader Is leader.\n# TYPE leader gauge\nleader 0\n");
}

TEST(Registry, LabelledFamilyWithoutChildrenHasOnlyHeader) {
  Registry r;
  r.Counter("x_total", "X.", {"a"});
  EXPECT_EQ(r.Expose(), "# HELP x_total X.\n# TYPE x_total counter\n");
}

TEST(Registry, WithLabelsReturnsTheSameChildEveryTime) {
  Registry r;
  auto& f = r.Counter("x_total", "X.", {"a"});
  Counter& c1 = f.WithLabels({"v"});
  Counter& c2 = f.WithLabels({"v"});
  EXPECT_EQ(&c1, &c2);
  EXPECT_NE(&c1, &f.WithLabels({"w"}));
}

TEST(Registry, ReferenceStaysValidAfterManyMoreChildren) {
  Registry r;
  auto& f = r.Gauge("g", "G.", {"i"});
  Gauge& first = f.WithLabels({"0"});
  for (int i = 1; i < 1000; ++i) f.WithLabels({std::to_string(i)}).Set(i);
  first.Set(42);
  EXPECT_EQ(f.WithLabels({"0"}).Value(), 42);
}

TEST(Registry, SameDefinitionTwiceReturnsTheSameFamily) {
  Registry r;
  auto& a = r.Counter("x_total", "X.", {"a"});
  auto& b = r.Counter("x_total", "X again.", {"a"});
  EXPECT_EQ(&a, &b);
}

TEST(RegistryDeathTest, SameNameWithOtherTypeAborts) {
  Registry r;
  r.Counter("x", "X.");
  EXPECT_DEATH(r.Gauge("x", "X."), "registered twice");
}

TEST(RegistryDeathTest, SameNameWithOtherLabelsAborts) {
  Registry r;
  r.Counter("x", "X.", {"a"});
  EXPECT_DEATH(r.Counter("x", "X.", {"b"}), "registered twice");
}

TEST(RegistryDeathTest, WrongNumberOfLabelValuesAborts) {
  Registry r;
  auto& f = r.Counter("x_total", "X.", {"a", "b"});
  EXPECT_DEATH(f.WithLabels({"only-one"}), "x_total: 1 label values for 2 labels");
}

TEST(RegistryDeathTest, InvalidMetricNameAborts) {
  Registry r;
  EXPECT_DEATH(r.Counter("bad-name", "X."), "invalid metric name");
}

TEST(RegistryDeathTest, HistogramLabelLeAborts) {
  Registry r;
  EXPECT_DEATH(r.Histogram("h", "H.", {"le"}, {1}), "may not have a label le");
}

TEST(RegistryDeathTest, UnsortedBucketsAbort) {
  Registry r;
  EXPECT_DEATH(r.Histogram("h", "H.", {}, {1, 0.5}), "strictly increasing");
}

TEST(Registry, LabelValuesAreEscaped) {
  Registry r;
  r.Gauge("g", "G.", {"path"}).WithLabels({"a\"b\\c\nd"}).Set(1);
  EXPECT_NE(r.Expose().find("g{path=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos);
}

TEST(Registry, FamiliesAreSortedByName) {
  Registry r;
  r.Gauge("zeta", "Z.");
  r.Gauge("alpha", "A.");
  std::string text = r.Expose();
  EXPECT_LT(text.find("alpha"), text.find("zeta"));
}

TEST(Registry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  Histogram& h = r.Histogram("lat_seconds", "Latency.", {}, {0.1, 1}).WithLabels({});
  h.Observe(0.05);
  h.Observe(0.1);  // On the bound: counts in le="0.1".
  h.Observe(0.5);
  h.Observe(7);
  EXPECT_EQ(r.Expose(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{le=\"0.1\"} 2\n"
            "lat_seconds_bucket{le=\"1\"} 3\n"
            "lat_seconds_bucket{le=\"+Inf\"} 4\n"
            "lat_seconds_sum 7.65\n"
            "lat_seconds_count 4\n");
}

TEST(Registry, HistogramTrailingInfBucketIsDropped) {
  Registry r;
  auto& f = r.Histogram("h", "H.", {}, {1, std::numeric_limits<double>::infinity()});
  EXPECT_EQ(f.buckets(), std::vector<double>{1});
}

TEST(Registry, HistogramLabelsComeBeforeLe) {
  Registry r;
  r.Histogram("h", "H.", {"name"}, {1}).WithLabels({"q"}).Observe(2);
  EXPECT_NE(r.Expose().find("h_bucket{name=\"q\",le=\"+Inf\"} 1\n"), std::string::npos);
}

TEST(Registry, GaugeCallbackIsEvaluatedAtEachScrape) {
  Registry r;
  int calls = 0;
  r.GaugeCallback("cache_objects", "Objects cached.", [&] { return ++calls * 10.0; });
  EXPECT_NE(r.Expose().find("cache_objects 10\n"), std::string::npos);
  EXPECT_NE(r.Expose().find("cache_objects 20\n"), std::string::npos);
}

TEST(Registry, CounterCallbackHasCounterType) {
  Registry r;
  r.CounterCallback("cpu_seconds_total", "CPU.", [] { return 1.5; });
  EXPECT_NE(r.Expose().find("# TYPE cpu_seconds_total counter\ncpu_seconds_total 1.5\n"),
            std::string::npos);
}

TEST(Counter, NegativeIncrementIsIgnored) {
  Counter c;
  c.Add(2);
  c.Add(-1);
  EXPECT_EQ(c.Value(), 2);
}

TEST(Gauge, GoesUpAndDown) {
  Gauge g;
  g.Inc();
  g.Inc();
  g.Dec();
  g.Add(2.5);
  g.Sub(0.5);
  EXPECT_EQ(g.Value(), 3);
  g.Set(-1);
  EXPECT_EQ(g.Value(), -1);
}

TEST(Registry, ConcurrentIncrementsAreAllCounted) {
  Registry r;
  auto& f = r.Counter("n_total", "N.", {"t"});
  Histogram& h = r.Histogram("h", "H.", {}, {1}).WithLabels({});
  constexpr int kThreads = 4, kPerThread = 20000;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&] {
      // Half look the child up every time, half use a cached reference.
      Counter& cached = f.WithLabels({"x"});
      for (int i = 0; i < kPerThread; ++i) {
        if (i % 2) {
          cached.Inc();
        } else {
          f.WithLabels({"x"}).Inc();
        }
        h.Observe(0.5);
      }
    });
  }
  std::thread scraper([&] {
    for (int i = 0; i < 50; ++i) (void)r.Expose();
  });
  for (auto& t : ts) t.join();
  scraper.join();
  EXPECT_EQ(f.WithLabels({"x"}).Value(), kThreads * kPerThread);
  EXPECT_EQ(h.Snap().count, uint64_t{kThreads * kPerThread});
}

TEST(Buckets, Exponential) {
  EXPECT_EQ(ExponentialBuckets(0.001, 10, 4), (std::vector<double>{0.001, 0.01, 0.1, 1}));
  EXPECT_EQ(ExponentialBuckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
}

TEST(Buckets, Linear) { EXPECT_EQ(LinearBuckets(1, 0.5, 3), (std::vector<double>{1, 1.5, 2})); }

TEST(BucketsDeathTest, ExponentialFactorOneAborts) {
  EXPECT_DEATH(ExponentialBuckets(1, 1, 3), "factor > 1");
}

}  // namespace
}  // namespace runledger::metrics
