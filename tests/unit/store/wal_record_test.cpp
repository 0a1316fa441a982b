#include "store/wal_record.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/wal_format.h"

namespace runledger::store::wal {
namespace {

std::string Frame(const std::vector<std::string>& records) {
  std::string out;
  RecordFramer framer;
  for (const auto& r : records) framer.Frame(r, &out);
  return out;
}

std::vector<std::string> ReadAllRecords(std::string_view data, SegmentParse* parse) {
  std::vector<std::string> out;
  *parse = ParseSegment(data, [&](std::string_view r, uint64_t) {
    out.emplace_back(r);
    return Status::Ok();
  });
  return out;
}

std::string Big(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 7);
  return s;
}

TEST(WalRecordTest, EmptyAndSmallRecordsRoundTrip) {
  std::vector<std::string> recs = {"", "a", "hello", std::string(100, 'x')};
  SegmentParse p;
  EXPECT_EQ(ReadAllRecords(Frame(recs), &p), recs);
  EXPECT_EQ(p.end, SegmentParse::End::kClean);
  EXPECT_EQ(p.records, 4u);
}

TEST(WalRecordTest, RecordSpanningThreeBlocksIsFirstMiddleLast) {
  std::vector<std::string> recs = {Big(2 * kBlockSize + 100, 'a'), "after"};
  std::string data = Frame(recs);
  EXPECT_EQ(static_cast<uint8_t>(data[6]), kFirst);
  EXPECT_EQ(static_cast<uint8_t>(data[kBlockSize + 6]), kMiddle);
  EXPECT_EQ(static_cast<uint8_t>(data[2 * kBlockSize + 6]), kLast);
  SegmentParse p;
  EXPECT_EQ(ReadAllRecords(data, &p), recs);
  EXPECT_EQ(p.end, SegmentParse::End::kClean);
}

TEST(WalRecordTest, BlockTrailerTooSmallForHeaderIsPadded) {
  // Leave exactly 6 bytes in the first block: the next record starts block 2.
  std::vector<std::string> recs = {Big(kBlockSize - kHeaderSize - 6, 'b'), "next"};
  std::string data = Frame(recs);
  EXPECT_EQ(data.substr(kBlockSize - 6, 6), std::string(6, '\0'));
  EXPECT_EQ(static_cast<uint8_t>(data[kBlockSize + 6]), kFull);
  SegmentParse p;
  EXPECT_EQ(ReadAllRecords(data, &p), recs);
}

TEST(WalRecordTest, HeaderExactlyFillingBlockEndGivesEmptyFirstFragment) {
  std::vector<std::string> recs = {Big(kBlockSize - 2 * kHeaderSize, 'c'), "spans"};
  SegmentParse p;
  EXPECT_EQ(ReadAllRecords(Frame(recs), &p), recs);
  EXPECT_EQ(p.end, SegmentParse::End::kClean);
}

TEST(WalRecordTest, FramerResumesMidBlockAtGivenOffset) {
  std::string first = Frame({Big(1000, 'd')});
  std::string rest;
  RecordFramer framer(first.size());
  framer.Frame(Big(3 * kBlockSize, 'e'), &rest);
  SegmentParse p;
  auto got = ReadAllRecords(first + rest, &p);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], Big(3 * kBlockSize, 'e'));
}

TEST(WalRecordTest, TornTailAtEveryOffsetOfLastRecordIsEndOfLog) {
  // The last record spans a block boundary so every fragment kind is cut.
  std::vector<std::string> recs = {Big(kBlockSize - 500, 'f'), Big(1200, 'g')};
  std::string data = Frame(recs);
  std::string before = Frame({recs[0]});
  for (size_t cut = before.size(); cut < data.size(); ++cut) {
    SegmentParse p;
    auto got = ReadAllRecords(std::string_view(data).substr(0, cut), &p);
    ASSERT_EQ(got.size(), 1u) << "cut at " << cut;
    EXPECT_EQ(p.valid_end, before.size()) << "cut at " << cut;
    if (cut > before.size()) {
      EXPECT_EQ(p.end, SegmentParse::End::kTorn) << "cut at " << cut;
    }
    EXPECT_TRUE(p.status.ok());
  }
}

TEST(WalRecordTest, ZeroFilledTailIsTorn) {
  std::string data = Frame({"one"}) + std::string(100, '\0');
  SegmentParse p;
  EXPECT_EQ(ReadAllRecords(data, &p).size(), 1u);
  EXPECT_EQ(p.end, SegmentParse::End::kTorn);
}

TEST(WalRecordTest, GarbageAfterLastRecordIsTorn) {
  std::string data = Frame({"one", "two"});
  data += std::string("\x12\x34\x56\x78\x05\x00\x01garbage", 14);
  SegmentParse p;
  EXPECT_EQ(ReadAllRecords(data, &p).size(), 2u);
  EXPECT_EQ(p.end, SegmentParse::End::kTorn);
}

TEST(WalRecordTest, CorruptRecordInMiddleIsReportedWithOffset) {
  std::vector<std::string> recs = {"first", "second", "third"};
  std::string data = Frame(recs);
  size_t second = Frame({"first"}).size();
  data[second + kHeaderSize + 2] ^= 1;  // Flip a payload bit of "second".
  SegmentParse p;
  auto got = ReadAllRecords(data, &p);
  EXPECT_EQ(got.size(), 1u);  // Never a silent skip to "third".
  EXPECT_EQ(p.end, SegmentParse::End::kCorrupt);
  EXPECT_EQ(p.status.code(), Code::kCorruption);
  EXPECT_NE(p.status.message().find("offset " + std::to_string(second)), std::string::npos)
      << p.status.ToString();
  EXPECT_NE(p.status.message().find("checksum"), std::string::npos);
}

TEST(WalRecordTest, BadLengthInMiddleIsCorruption) {
  std::string data = Frame({"first", "second", "third"});
  data[4] = static_cast<char>(0xff);  // First record's length now crosses the block.
  SegmentParse p;
  EXPECT_TRUE(ReadAllRecords(data, &p).empty());
  EXPECT_EQ(p.end, SegmentParse::End::kCorrupt);
}

TEST(WalRecordTest, CorruptFragmentOfSpanningRecordFollowedByBlocksIsCorruption) {
  std::vector<std::string> recs = {Big(3 * kBlockSize, 'h'), "tail"};
  std::string data = Frame(recs);
  data[kBlockSize + 100] ^= 0x40;  // Inside the MIDDLE fragment.
  SegmentParse p;
  EXPECT_TRUE(ReadAllRecords(data, &p).empty());
  EXPECT_EQ(p.end, SegmentParse::End::kCorrupt);
  EXPECT_EQ(p.valid_end, 0u);
}

TEST(WalRecordTest, MiddleFragmentWithoutFirstIsCorruption) {
  std::string data = Frame({Big(2 * kBlockSize, 'i')});
  data.erase(0, kBlockSize);  // Drop the FIRST fragment's block.
  SegmentParse p;
  EXPECT_TRUE(ReadAllRecords(data, &p).empty());
  EXPECT_EQ(p.end, SegmentParse::End::kCorrupt);
}

TEST(WalRecordTest, CallbackErrorStopsParseAsCorruption) {
  std::string data = Frame({"a", "b"});
  int seen = 0;
  SegmentParse p = ParseSegment(data, [&](std::string_view, uint64_t) {
    ++seen;
    return Corruption("bad payload");
  });
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(p.end, SegmentParse::End::kCorrupt);
  EXPECT_NE(p.status.message().find("offset 0"), std::string::npos);
}

}  // namespace
}  // namespace runledger::store::wal
