#include "store/compaction_plan.h"

#include <gtest/gtest.h>

#include "store/chunk.h"

namespace runledger::store {
namespace {

using Time = std::chrono::steady_clock::time_point;
using std::chrono::minutes;

RunPoints Points(std::vector<Sample> samples) {
  RunPoints p;
  Summary s;
  for (const Sample& x : samples) s.Add(x);
  p.summaries["loss"] = s;
  p.samples["loss"] = std::move(samples);
  return p;
}

CompactionInput Input(std::shared_ptr<const Manifest> base) {
  CompactionInput in;
  in.base = std::move(base);
  in.through = in.base->compacted_through + 2;
  in.attempt = 0xabc;
  in.object_prefix = "metrics/";
  return in;
}

TEST(PlanCompactionTest, OneSortedChunkPerRunAndTheNextManifest) {
  auto in = Input(std::make_shared<const Manifest>());
  in.runs["r/1"] = Points({{3, 30, 0.3}, {1, 10, 0.1}, {2, 20, 0.2}});
  in.runs["r2"] = Points({{7, 70, 0.7}});
  CompactionPlan plan = PlanCompaction(std::move(in));
  EXPECT_EQ(plan.next.generation, 1u);
  EXPECT_EQ(plan.next.compacted_through, 2u);
  ASSERT_EQ(plan.chunks.size(), 2u);
  EXPECT_EQ(plan.chunks[0].object, "metrics/runs/r%2F1/0000000000000001-0000000000000abc-0.rlc");
  EXPECT_EQ(plan.chunk_points, 4u);
  const ChunkRef& ref = plan.next.runs.at("r/1")->chunks.at(0);
  EXPECT_EQ(ref.object, plan.chunks[0].object);
  EXPECT_EQ(ref.bytes, plan.chunks[0].bytes.size());
  EXPECT_EQ(ref.min_step, 1);
  EXPECT_EQ(ref.max_step, 3);
  auto reader = ChunkReader::Open(plan.chunks[0].bytes);
  ASSERT_TRUE(reader.ok());
  std::vector<Sample> got;
  ASSERT_TRUE(reader->Read(reader->entries()[0], 0, 10, &got).ok());
  EXPECT_EQ(got, (std::vector<Sample>{{1, 10, 0.1}, {2, 20, 0.2}, {3, 30, 0.3}}));
  EXPECT_EQ(plan.next.runs.at("r/1")->keys.at("loss").count, 3u);
}

TEST(PlanCompactionTest, EarlierChunksAreKeptAndTheBaseIsNotChanged) {
  auto base = std::make_shared<Manifest>();
  base->generation = 4;
  base->compacted_through = 9;
  auto index = std::make_shared<RunIndex>();
  index->chunks.push_back(ChunkRef{"old", 10, 1, 0, 0});
  base->runs["r"] = index;
  auto in = Input(base);
  in.runs["r"] = Points({{1, 1, 1.0}});
  CompactionPlan plan = PlanCompaction(std::move(in));
  EXPECT_EQ(plan.next.generation, 5u);
  EXPECT_EQ(plan.next.compacted_through, 11u);
  ASSERT_EQ(plan.next.runs.at("r")->chunks.size(), 2u);
  EXPECT_EQ(plan.next.runs.at("r")->chunks[0].object, "old");
  EXPECT_EQ(base->runs.at("r")->chunks.size(), 1u);  // Readers of the base see no change.
}

TEST(PlanCompactionTest, AttemptsNameTheirChunksApart) {
  EXPECT_NE(ChunkObjectName("m/", "r", 3, 1, 0), ChunkObjectName("m/", "r", 3, 2, 0));
}

TEST(PlanCompactionTest, NoPointsMeansNoChunksButTheManifestAdvances) {
  CompactionPlan plan = PlanCompaction(Input(std::make_shared<const Manifest>()));
  EXPECT_TRUE(plan.chunks.empty());
  EXPECT_EQ(plan.next.compacted_through, 2u);
}

TEST(DecideOrphansTest, NewOrphanIsOnlyRemembered) {
  Time now{minutes(100)};
  auto d = DecideOrphans({"a"}, {}, {}, now, minutes(30));
  EXPECT_TRUE(d.remove.empty());
  EXPECT_EQ(d.seen.at("a"), now);
}

TEST(DecideOrphansTest, OrphanSeenForTheGracePeriodIsRemoved) {
  Time first{minutes(100)};
  auto d = DecideOrphans({"a", "b"}, {}, {{"a", first}}, first + minutes(30), minutes(30));
  EXPECT_EQ(d.remove, std::vector<std::string>{"a"});
  EXPECT_FALSE(d.seen.contains("a"));
  EXPECT_TRUE(d.seen.contains("b"));
}

TEST(DecideOrphansTest, OrphanWithinTheGracePeriodIsKept) {
  Time first{minutes(100)};
  auto d = DecideOrphans({"a"}, {}, {{"a", first}}, first + minutes(29), minutes(30));
  EXPECT_TRUE(d.remove.empty());
  EXPECT_EQ(d.seen.at("a"), first);
}

TEST(DecideOrphansTest, ReferencedObjectIsNeverRemovedAndForgotten) {
  Time first{minutes(100)};
  auto d = DecideOrphans({"a"}, {"a"}, {{"a", first}}, first + minutes(90), minutes(30));
  EXPECT_TRUE(d.remove.empty());
  EXPECT_TRUE(d.seen.empty());
}

TEST(DecideOrphansTest, VanishedObjectIsForgotten) {
  Time first{minutes(100)};
  auto d = DecideOrphans({}, {}, {{"a", first}}, first + minutes(90), minutes(30));
  EXPECT_TRUE(d.remove.empty());
  EXPECT_TRUE(d.seen.empty());
}

}  // namespace
}  // namespace runledger::store
