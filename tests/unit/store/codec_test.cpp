// Batch payloads and the manifest: round trips and malformed input.
#include <gtest/gtest.h>

#include <limits>

#include "store/batch_codec.h"
#include "store/coding.h"
#include "store/manifest.h"

namespace runledger::store {
namespace {

Batch MakeBatch() {
  Batch b{"run-1", "req-42", {}};
  for (int i = 0; i < 50; ++i) {
    b.points.push_back(Point{i % 2 ? "acc" : "loss", i * 0.25, 1700000000000 + i, i / 2});
  }
  b.points.push_back(Point{"loss", std::numeric_limits<double>::quiet_NaN(), -5, INT64_MIN});
  return b;
}

TEST(BatchCodecTest, RoundTripsWithDictionary) {
  auto wb = ToWalBatch(MakeBatch(), 123);
  ASSERT_TRUE(wb.ok());
  EXPECT_EQ(wb->keys.size(), 2u);
  std::string payload;
  uint64_t h1 = EncodeWalBatch(*wb, &payload);
  WalBatch out;
  uint64_t h2;
  ASSERT_TRUE(DecodeWalBatch(payload, &out, &h2).ok());
  EXPECT_EQ(h1, h2);
  EXPECT_EQ(out.run_id, "run-1");
  EXPECT_EQ(out.idempotency_id, "req-42");
  EXPECT_EQ(out.append_time_ms, 123);
  EXPECT_EQ(out.keys, wb->keys);
  EXPECT_EQ(out.key_of, wb->key_of);
  EXPECT_EQ(out.samples, wb->samples);
}

TEST(BatchCodecTest, ContentHashIgnoresAppendTime) {
  auto a = ToWalBatch(MakeBatch(), 1), b = ToWalBatch(MakeBatch(), 2);
  std::string pa, pb;
  EXPECT_EQ(EncodeWalBatch(*a, &pa), EncodeWalBatch(*b, &pb));
}

TEST(BatchCodecTest, RejectsBadLimits) {
  Batch b = MakeBatch();
  b.run_id = "";
  EXPECT_EQ(ToWalBatch(b, 0).status().code(), Code::kInvalidArgument);
  b = MakeBatch();
  b.points[0].key = std::string(251, 'k');
  EXPECT_EQ(ToWalBatch(b, 0).status().code(), Code::kInvalidArgument);
  b = MakeBatch();
  b.points.resize(kMaxBatchPoints + 1, Point{"k", 0, 0, 0});
  EXPECT_EQ(ToWalBatch(b, 0).status().code(), Code::kInvalidArgument);
}

TEST(BatchCodecTest, TruncatedPayloadIsCorruption) {
  auto wb = ToWalBatch(MakeBatch(), 1);
  std::string payload;
  EncodeWalBatch(*wb, &payload);
  for (size_t n = 0; n < payload.size(); ++n) {
    WalBatch out;
    EXPECT_EQ(DecodeWalBatch(payload.substr(0, n), &out).code(), Code::kCorruption) << n;
  }
}

TEST(BatchCodecTest, PointCountBeyondTheRecordIsRefusedBeforeAllocating) {
  // kind 1, time 0, no id, run "r", one key "k", then a claim of 100,000
  // points with no bytes behind it.
  std::string payload = {1, 0, 0, 1, 'r', 1, 1, 'k'};
  PutVarint64(&payload, kMaxBatchPoints);
  WalBatch out;
  EXPECT_EQ(DecodeWalBatch(payload, &out).code(), Code::kCorruption);
  EXPECT_LT(out.samples.capacity(), 16u);  // Not sized by the untrusted count.
  EXPECT_LT(out.key_of.capacity(), 16u);
}

TEST(ManifestTest, RoundTrips) {
  Manifest m;
  m.generation = 7;
  m.compacted_through = 12;
  auto idx = std::make_shared<RunIndex>();
  idx->chunks.push_back(ChunkRef{"metrics/runs/r/1.rlc", 100, 50, -3, 40});
  Summary s;
  s.Add({1, 2, 3.5});
  idx->keys["loss"] = s;
  m.runs["r"] = idx;
  m.recent_ids.push_back(IdEntry{1, 2, 3});
  auto out = DecodeManifest(EncodeManifest(m));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->generation, 7u);
  EXPECT_EQ(out->compacted_through, 12u);
  ASSERT_EQ(out->runs.count("r"), 1u);
  const RunIndex& r = *out->runs.at("r");
  EXPECT_EQ(r.chunks[0].object, "metrics/runs/r/1.rlc");
  EXPECT_EQ(r.chunks[0].min_step, -3);
  EXPECT_EQ(r.keys.at("loss").last, (Sample{1, 2, 3.5}));
  ASSERT_EQ(out->recent_ids.size(), 1u);
  EXPECT_EQ(out->recent_ids[0].content_hash, 2u);
}

TEST(ManifestTest, FlippedBitIsCorruption) {
  Manifest m;
  m.generation = 1;
  std::string bytes = EncodeManifest(m);
  bytes[5] ^= 1;
  EXPECT_EQ(DecodeManifest(bytes).status().code(), Code::kCorruption);
}

}  // namespace
}  // namespace runledger::store
