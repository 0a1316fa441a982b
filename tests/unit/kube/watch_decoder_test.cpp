#include "kube/watch_decoder.h"

#include <gtest/gtest.h>

#include <random>

#include "kube/json_fields.h"

namespace runledger::kube {
namespace {

constexpr int kMaxDepthForTest = kMaxJsonDepth;

const std::string kStream =
    R"({"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"1"}}})"
    "\n"
    R"({"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"2"},"data":"üñï ✓"}})"
    "\n"
    R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"3"}}})"
    "\n"
    R"({"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"4"}}})"
    "\n";

std::vector<std::string> Decode(const std::vector<std::string_view>& chunks, WatchDecoder& d) {
  std::vector<std::string> seen;
  for (auto chunk : chunks) {
    Status s = d.Feed(chunk, [&](WatchEvent e) {
      seen.push_back(std::string(WatchEventTypeName(e.type)) + "@" +
                     e.object["metadata"]["resourceVersion"].get<std::string>());
      return Status();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return seen;
}

const std::vector<std::string> kExpected = {"ADDED@1", "MODIFIED@2", "BOOKMARK@3", "DELETED@4"};

TEST(WatchDecoderTest, WholeStreamInOneChunk) {
  WatchDecoder d;
  EXPECT_EQ(Decode({kStream}, d), kExpected);
  EXPECT_FALSE(d.HasPartialEvent());
}

TEST(WatchDecoderTest, EveryByteInItsOwnChunk) {
  WatchDecoder d;
  std::vector<std::string_view> chunks;
  for (size_t i = 0; i < kStream.size(); ++i)
    chunks.push_back(std::string_view(kStream).substr(i, 1));
  EXPECT_EQ(Decode(chunks, d), kExpected);
}

TEST(WatchDecoderTest, EverySplitPointIntoTwoChunks) {
  for (size_t cut = 0; cut <= kStream.size(); ++cut) {
    WatchDecoder d;
    std::string_view s(kStream);
    EXPECT_EQ(Decode({s.substr(0, cut), s.substr(cut)}, d), kExpected) << "cut at " << cut;
  }
}

TEST(WatchDecoderTest, RandomChunkBoundaries) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    WatchDecoder d;
    std::vector<std::string_view> chunks;
    std::string_view rest(kStream);
    while (!rest.empty()) {
      size_t n = std::uniform_int_distribution<size_t>(1, 40)(rng);
      n = std::min(n, rest.size());
      chunks.push_back(rest.substr(0, n));
      rest.remove_prefix(n);
    }
    EXPECT_EQ(Decode(chunks, d), kExpected);
  }
}

TEST(WatchDecoderTest, CutMidEventLeavesAPartialEvent) {
  WatchDecoder d;
  EXPECT_EQ(Decode({std::string_view(kStream).substr(0, 30)}, d), std::vector<std::string>{});
  EXPECT_TRUE(d.HasPartialEvent());
}

TEST(WatchDecoderTest, CrLfAndBlankLinesAreTolerated) {
  WatchDecoder d;
  EXPECT_EQ(Decode({"\r\n"
                    R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"9"}}})"
                    "\r\n\n"},
                   d),
            std::vector<std::string>{"ADDED@9"});
}

TEST(WatchDecoderTest, LineThatIsNotJsonIsInternal) {
  WatchDecoder d;
  Status s = d.Feed("not json\n", [](WatchEvent) { return Status(); });
  EXPECT_EQ(s.code(), Code::kInternal);
}

TEST(WatchDecoderTest, UnknownEventTypeIsInternal) {
  Status s = WatchDecoder().Feed(R"({"type":"WHAT","object":{}})"
                                 "\n",
                                 [](WatchEvent) { return Status(); });
  EXPECT_EQ(s.code(), Code::kInternal);
}

// An event whose object nests `depth` arrays (the event and its object add
// two levels).
std::string NestedEvent(int depth) {
  return R"({"type":"ADDED","object":{"a":)" + std::string(depth, '[') + std::string(depth, ']') +
         "}}\n";
}

TEST(WatchDecoderTest, ObjectNestedTooDeepIsInternalNotAStackOverflow) {
  // Copying or dumping 100,000 levels would overflow the stack.
  int delivered = 0;
  Status s = WatchDecoder().Feed(NestedEvent(100000), [&](WatchEvent e) {
    ++delivered;
    (void)e.object.dump();
    return Status();
  });
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_EQ(delivered, 0);
}

TEST(WatchDecoderTest, ObjectNestedToTheLimitIsDelivered) {
  int delivered = 0;
  Status s = WatchDecoder().Feed(NestedEvent(kMaxDepthForTest - 2), [&](WatchEvent) {
    ++delivered;
    return Status();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(delivered, 1);
}

TEST(WatchDecoderTest, BracketsInsideStringsDoNotCountAsNesting) {
  const std::string deep_text(5000, '[');
  int delivered = 0;
  Status s = WatchDecoder().Feed(R"({"type":"ADDED","object":{"s":"\")" + deep_text + "\"}}\n",
                                 [&](WatchEvent e) {
                                   ++delivered;
                                   EXPECT_EQ(e.object["s"], "\"" + deep_text);
                                   return Status();
                                 });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(delivered, 1);
}

TEST(WatchDecoderTest, ErrorEventIsDelivered) {
  WatchDecoder d;
  WatchEventType type = WatchEventType::kAdded;
  ASSERT_TRUE(d.Feed(R"({"type":"ERROR","object":{"kind":"Status","code":410}})"
                     "\n",
                     [&](WatchEvent e) {
                       type = e.type;
                       return Status();
                     })
                  .ok());
  EXPECT_EQ(type, WatchEventType::kError);
}

TEST(WatchDecoderTest, CallbackErrorStopsDecoding) {
  WatchDecoder d;
  int calls = 0;
  Status s = d.Feed(kStream, [&](WatchEvent) {
    ++calls;
    return Cancelled("enough");
  });
  EXPECT_EQ(s.code(), Code::kCancelled);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace runledger::kube
