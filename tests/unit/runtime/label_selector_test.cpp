#include "runtime/label_selector.h"

#include <gtest/gtest.h>

namespace runledger::runtime {
namespace {

using nlohmann::json;

LabelSelector MustParse(const json& selector) {
  auto parsed = LabelSelector::Parse(selector, "spec.sel");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return *parsed;
}

TEST(LabelSelectorTest, EmptyMatchesEverything) {
  EXPECT_TRUE(MustParse(json::object()).Matches(json()));
  EXPECT_TRUE(MustParse(json::object()).Matches({{"team", "a"}}));
}

TEST(LabelSelectorTest, MatchLabelsNeedsEveryPair) {
  const LabelSelector s = MustParse({{"matchLabels", {{"team", "recsys"}, {"tier", "prod"}}}});
  EXPECT_TRUE(s.Matches({{"team", "recsys"}, {"tier", "prod"}, {"x", "y"}}));
  EXPECT_FALSE(s.Matches({{"team", "recsys"}}));
  EXPECT_FALSE(s.Matches({{"team", "ads"}, {"tier", "prod"}}));
  EXPECT_FALSE(s.Matches(json()));
}

TEST(LabelSelectorTest, ExpressionsAsTheApiServerReadsThem) {
  const LabelSelector in = MustParse(
      {{"matchExpressions", {{{"key", "team"}, {"operator", "In"}, {"values", {"a", "b"}}}}}});
  EXPECT_TRUE(in.Matches({{"team", "b"}}));
  EXPECT_FALSE(in.Matches({{"team", "c"}}));
  EXPECT_FALSE(in.Matches(json::object()));
  const LabelSelector not_in = MustParse(
      {{"matchExpressions", {{{"key", "team"}, {"operator", "NotIn"}, {"values", {"a"}}}}}});
  EXPECT_TRUE(not_in.Matches(json::object()));  // Absent is not in.
  EXPECT_TRUE(not_in.Matches({{"team", "b"}}));
  EXPECT_FALSE(not_in.Matches({{"team", "a"}}));
  const LabelSelector exists =
      MustParse({{"matchExpressions", {{{"key", "keep"}, {"operator", "Exists"}}}}});
  EXPECT_TRUE(exists.Matches({{"keep", ""}}));
  EXPECT_FALSE(exists.Matches({{"other", "x"}}));
  const LabelSelector absent =
      MustParse({{"matchExpressions", {{{"key", "keep"}, {"operator", "DoesNotExist"}}}}});
  EXPECT_FALSE(absent.Matches({{"keep", ""}}));
  EXPECT_TRUE(absent.Matches(json()));
}

TEST(LabelSelectorTest, ErrorsNameTheField) {
  auto bad_op = LabelSelector::Parse(
      {{"matchExpressions", {{{"key", "a"}, {"operator", "Gt"}, {"values", {"1"}}}}}}, "spec.sel");
  ASSERT_FALSE(bad_op.ok());
  EXPECT_EQ(bad_op.status().message(),
            "spec.sel.matchExpressions[0].operator: must be In, NotIn, Exists or DoesNotExist, "
            "not \"Gt\"");
  auto no_values = LabelSelector::Parse(
      {{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}}, "spec.sel");
  ASSERT_FALSE(no_values.ok());
  EXPECT_EQ(no_values.status().message(),
            "spec.sel.matchExpressions[0].values: must be non-empty for In");
  auto label = LabelSelector::Parse({{"matchLabels", {{"a", 1}}}}, "spec.sel");
  ASSERT_FALSE(label.ok());
  EXPECT_EQ(label.status().message(), "spec.sel.matchLabels.a: must be a string");
}

}  // namespace
}  // namespace runledger::runtime
