#include "tracking/search/paging.h"

#include <gtest/gtest.h>

#include "tracking/search/page_token.h"

namespace runledger::tracking::search {
namespace {

TEST(PageTokenTest, SpellsWhatPythonMlflowSpells) {
  // base64.b64encode(json.dumps({"offset": 1000}).encode())
  EXPECT_EQ(EncodePageToken(1000), "eyJvZmZzZXQiOiAxMDAwfQ==");
  EXPECT_EQ(EncodePageToken(5), "eyJvZmZzZXQiOiA1fQ==");
}

TEST(PageTokenTest, RoundTrips) {
  for (size_t offset : {size_t{0}, size_t{1}, size_t{999}, size_t{50000}, size_t{123456789}}) {
    EXPECT_EQ(*DecodePageToken(EncodePageToken(offset)), offset);
  }
}

TEST(PageTokenTest, EmptyIsTheFirstPage) { EXPECT_EQ(*DecodePageToken(""), 0u); }

TEST(PageTokenTest, AcceptsAStringOffsetAsMlflowDoes) {
  EXPECT_EQ(*DecodePageToken("eyJvZmZzZXQiOiAiNyJ9"), 7u);  // {"offset": "7"}
}

TEST(PageTokenTest, RejectsBadTokens) {
  for (const char* token : {"not base64!", "WzFd" /* [1] */, "eyJvZmZzZXQiOiAtMX0=" /* -1 */}) {
    const auto offset = DecodePageToken(token);
    ASSERT_FALSE(offset.ok()) << token;
    EXPECT_EQ(offset.status().code(), Code::kInvalidArgument);
    EXPECT_NE(offset.status().message().find("invalid page token"), std::string::npos);
  }
}

TEST(ViewTypeTest, ParsesMlflowNames) {
  EXPECT_EQ(*ParseViewType(""), ViewType::kActiveOnly);
  EXPECT_EQ(*ParseViewType("ACTIVE_ONLY"), ViewType::kActiveOnly);
  EXPECT_EQ(*ParseViewType("deleted_only"), ViewType::kDeletedOnly);
  EXPECT_EQ(*ParseViewType("ALL"), ViewType::kAll);
  EXPECT_EQ(ParseViewType("SOME").status().message(),
            "invalid view type 'SOME'; valid values are ACTIVE_ONLY, DELETED_ONLY and ALL");
}

TEST(ViewTypeTest, SelectsByLifecycleStage) {
  EXPECT_TRUE(InView(ViewType::kActiveOnly, "active"));
  EXPECT_FALSE(InView(ViewType::kActiveOnly, "deleted"));
  EXPECT_TRUE(InView(ViewType::kDeletedOnly, "deleted"));
  EXPECT_FALSE(InView(ViewType::kDeletedOnly, "active"));
  EXPECT_TRUE(InView(ViewType::kAll, "active"));
  EXPECT_TRUE(InView(ViewType::kAll, "deleted"));
}

TEST(PageWindowTest, DefaultsToMlflowsThousand) {
  const auto window = ResolvePageWindow({});
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->offset, 0u);
  EXPECT_EQ(window->limit, 1000u);
}

TEST(PageWindowTest, MaxResultsMustBeWithinMlflowsThreshold) {
  EXPECT_EQ(ResolvePageWindow({ViewType::kAll, 50000, ""})->limit, 50000u);
  EXPECT_EQ(ResolvePageWindow({ViewType::kAll, 1, ""})->limit, 1u);
  for (int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{50001}}) {
    const auto window = ResolvePageWindow({ViewType::kAll, bad, ""});
    ASSERT_FALSE(window.ok()) << bad;
    EXPECT_EQ(window.status().message(),
              "invalid value " + std::to_string(bad) +
                  " for parameter 'max_results': it must be a positive integer of at most 50000");
  }
}

TEST(CutPageTest, NoTokenAfterTheLastRow) {
  const std::vector<size_t> ordered = {2, 0, 1};
  const std::vector<size_t> row_of = {10, 11, 12};
  SearchPage page = CutPage(ordered, row_of, {0, 2});
  EXPECT_EQ(page.rows, (std::vector<size_t>{12, 10}));
  EXPECT_EQ(*DecodePageToken(page.next_page_token), 2u);
  page = CutPage(ordered, row_of, {2, 2});
  EXPECT_EQ(page.rows, (std::vector<size_t>{11}));
  EXPECT_EQ(page.next_page_token, "");
  page = CutPage(ordered, row_of, {0, 3});  // Exactly full: still the last page.
  EXPECT_EQ(page.next_page_token, "");
}

TEST(CutPageTest, AnOffsetPastTheEndIsAnEmptyLastPage) {
  const SearchPage page = CutPage({0}, {5}, {SIZE_MAX, 10});
  EXPECT_TRUE(page.rows.empty());
  EXPECT_EQ(page.next_page_token, "");
}

}  // namespace
}  // namespace runledger::tracking::search
