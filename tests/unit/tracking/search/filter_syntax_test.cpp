#include "tracking/search/filter_syntax.h"

#include <gtest/gtest.h>

namespace runledger::tracking::search {
namespace {

TEST(ParseFilterTest, EmptyAndBlankFiltersHaveNoClauses) {
  EXPECT_TRUE(ParseFilter("")->empty());
  EXPECT_TRUE(ParseFilter("  \t ")->empty());
}

TEST(ParseFilterTest, SplitsEntityAndKeyAtTheFirstDot) {
  const auto clauses = ParseFilter("metrics.a.b < 0.5");
  ASSERT_TRUE(clauses.ok()) << clauses.status().ToString();
  ASSERT_EQ(clauses->size(), 1u);
  const Clause& c = (*clauses)[0];
  EXPECT_EQ(c.id.entity, "metrics");
  EXPECT_EQ(c.id.key, "a.b");
  EXPECT_EQ(c.id.spelling, "metrics.a.b");
  EXPECT_EQ(c.op, Comparator::kLt);
  EXPECT_EQ(c.value.kind, Value::Kind::kNumber);
  EXPECT_DOUBLE_EQ(c.value.number, 0.5);
}

TEST(ParseFilterTest, BackquotedAndDoubleQuotedKeys) {
  const auto clauses =
      ParseFilter("tags.`mlflow.parentRunId` = 'abc' AND params.\"my key\" = \"v\"");
  ASSERT_TRUE(clauses.ok()) << clauses.status().ToString();
  ASSERT_EQ(clauses->size(), 2u);
  EXPECT_EQ((*clauses)[0].id.entity, "tags");
  EXPECT_EQ((*clauses)[0].id.key, "mlflow.parentRunId");
  EXPECT_EQ((*clauses)[0].value.text, "abc");
  EXPECT_EQ((*clauses)[1].id.key, "my key");
  EXPECT_EQ((*clauses)[1].value.text, "v");
}

TEST(ParseFilterTest, BackquotedEntityType) {
  const auto clauses = ParseFilter("`metrics`.loss > 1");
  ASSERT_TRUE(clauses.ok());
  EXPECT_EQ((*clauses)[0].id.entity, "metrics");
  EXPECT_EQ((*clauses)[0].id.key, "loss");
}

TEST(ParseFilterTest, BareKeysHaveNoEntity) {
  const auto clauses = ParseFilter("status = 'FINISHED' and \"Run name\" LIKE 'a%'");
  ASSERT_TRUE(clauses.ok()) << clauses.status().ToString();
  EXPECT_EQ((*clauses)[0].id.entity, "");
  EXPECT_EQ((*clauses)[0].id.key, "status");
  EXPECT_EQ((*clauses)[1].id.entity, "");
  EXPECT_EQ((*clauses)[1].id.key, "Run name");
  EXPECT_EQ((*clauses)[1].op, Comparator::kLike);
}

TEST(ParseFilterTest, EveryComparator) {
  const std::pair<const char*, Comparator> cases[] = {
      {"m.x = 1", Comparator::kEq},        {"m.x != 1", Comparator::kNe},
      {"m.x < 1", Comparator::kLt},        {"m.x <= 1", Comparator::kLe},
      {"m.x > 1", Comparator::kGt},        {"m.x >= 1", Comparator::kGe},
      {"m.x LIKE 'a'", Comparator::kLike}, {"m.x ilike 'a'", Comparator::kILike},
      {"m.x IN ('a')", Comparator::kIn},   {"m.x not  in ('a')", Comparator::kNotIn},
  };
  for (const auto& [text, op] : cases) {
    const auto clauses = ParseFilter(text);
    ASSERT_TRUE(clauses.ok()) << text << ": " << clauses.status().ToString();
    EXPECT_EQ((*clauses)[0].op, op) << text;
  }
}

TEST(ParseFilterTest, ComparatorsNeedNoSpaces) {
  const auto clauses = ParseFilter("metrics.x>=-1e-3");
  ASSERT_TRUE(clauses.ok()) << clauses.status().ToString();
  EXPECT_EQ((*clauses)[0].op, Comparator::kGe);
  EXPECT_DOUBLE_EQ((*clauses)[0].value.number, -1e-3);
}

TEST(ParseFilterTest, Numbers) {
  const std::pair<const char*, double> cases[] = {
      {"1", 1},  {"-2", -2},    {"0.25", 0.25},    {".5", 0.5},
      {"3.", 3}, {"1e3", 1000}, {"2.5E-2", 0.025}, {"-1e+2", -100},
  };
  for (const auto& [number, expected] : cases) {
    const auto clauses = ParseFilter(std::string("metrics.x = ") + number);
    ASSERT_TRUE(clauses.ok()) << number << ": " << clauses.status().ToString();
    EXPECT_DOUBLE_EQ((*clauses)[0].value.number, expected) << number;
    EXPECT_EQ((*clauses)[0].value.text, number);
  }
}

TEST(ParseFilterTest, DoubledQuotesStandForOneQuote) {
  const auto clauses = ParseFilter("params.p = 'it''s' AND tags.`a``b` = \"say \"\"hi\"\"\"");
  ASSERT_TRUE(clauses.ok()) << clauses.status().ToString();
  EXPECT_EQ((*clauses)[0].value.text, "it's");
  EXPECT_EQ((*clauses)[1].id.key, "a`b");
  EXPECT_EQ((*clauses)[1].value.text, "say \"hi\"");
}

TEST(ParseFilterTest, InLists) {
  const auto clauses = ParseFilter("attributes.run_id IN ('a', \"b\",'c' )");
  ASSERT_TRUE(clauses.ok()) << clauses.status().ToString();
  EXPECT_EQ((*clauses)[0].value.kind, Value::Kind::kList);
  EXPECT_EQ((*clauses)[0].value.list, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ParseFilterTest, AndChainsInAnyCase) {
  const auto clauses = ParseFilter("metrics.a > 1 AND metrics.b > 2 and metrics.c > 3 AnD m.d > 4");
  ASSERT_TRUE(clauses.ok());
  EXPECT_EQ(clauses->size(), 4u);
}

TEST(ParseFilterTest, PositionsAreOffsets) {
  const auto clauses = ParseFilter("  tags.x  LIKE  'v'");
  ASSERT_TRUE(clauses.ok());
  EXPECT_EQ((*clauses)[0].id.entity_pos, 2u);
  EXPECT_EQ((*clauses)[0].id.key_pos, 7u);
  EXPECT_EQ((*clauses)[0].op_pos, 10u);
  EXPECT_EQ((*clauses)[0].value.pos, 16u);
}

struct BadFilter {
  const char* filter;
  const char* message;
};

TEST(ParseFilterTest, InvalidFiltersNameThePosition) {
  const BadFilter cases[] = {
      {"metrics.loss foo 1",
       "at character 14: expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN), got "
       "'foo'"},
      {"metrics.a > 1 OR metrics.b > 2",
       "at character 15: OR is not supported: MLflow filters join comparisons with AND only"},
      {"metrics.a > 1 AND",
       "at character 18: expected a comparison after AND, got the end of the text"},
      {"metrics.a > 1 metrics.b > 2",
       "at character 15: expected AND or the end of the filter, got 'metrics.b'"},
      {"(metrics.a > 1)",
       "at character 1: parentheses are not supported; join comparisons with AND"},
      {"metrics.a > 1; metrics.b > 2",
       "at character 14: a filter is one expression; join comparisons with AND, not ';'"},
      {"params.p = 'abc", "at character 12: unterminated string (no closing ')"},
      {"tags.`abc = 'x'", "at character 6: unterminated backquoted name (no closing `)"},
      {"metrics. > 1",
       "at character 9: expected a key after 'metrics.' (plain, `backquoted` or "
       "\"double-quoted\"), got '>'"},
      {"= 1",
       "at character 1: expected an identifier such as metrics.loss, params.lr, "
       "tags.`mlflow.runName` or attributes.status, got '='"},
      {"metrics.a >",
       "at character 12: expected a value (a quoted string or a number), got the end of the text"},
      {"metrics.a > abc",
       "at character 13: expected a value (a quoted string or a number), got 'abc'"},
      {"metrics.a > 1abc", "at character 13: expected a number, got '1abc'"},
      {"metrics.a > 1e999", "at character 13: number 1e999 is out of range"},
      {"metrics.a <> 1", "at character 11: comparator '<>' is not supported; use !="},
      {"metrics.a == 1",
       "at character 12: expected a value (a quoted string or a number), got '='"},
      {"params.a NOT LIKE 'x'", "at character 14: expected IN after NOT, got 'LIKE'"},
      {"attributes.run_id IN 'a'",
       "at character 22: expected '(' to open the list of quoted strings after IN, got ''a''"},
      {"attributes.run_id IN ()",
       "at character 23: expected a non-empty list of quoted strings, got ')'"},
      {"attributes.run_id IN ('a', 1)",
       "at character 28: expected a quoted string in the list, got '1)'"},
      {"attributes.run_id IN ('a' 'b')",
       "at character 27: expected ',' or ')' in the list, got ''b')'"},
      {"attributes.run_id = ('a')",
       "at character 21: a list of values is only allowed after IN or NOT IN"},
      {"metrics.my-key > 1",
       "at character 11: expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN), got "
       "'-key'"},
  };
  for (const BadFilter& c : cases) {
    const auto clauses = ParseFilter(c.filter);
    ASSERT_FALSE(clauses.ok()) << c.filter;
    EXPECT_EQ(clauses.status().code(), Code::kInvalidArgument) << c.filter;
    EXPECT_EQ(clauses.status().message(), c.message) << c.filter;
  }
}

TEST(ParseOrderTermTest, DirectionDefaultsToAscending) {
  const auto term = ParseOrderTerm("metrics.loss");
  ASSERT_TRUE(term.ok());
  EXPECT_TRUE(term->ascending);
  EXPECT_EQ(term->id.entity, "metrics");
  EXPECT_EQ(term->id.key, "loss");
}

TEST(ParseOrderTermTest, AscAndDescInAnyCase) {
  EXPECT_TRUE(ParseOrderTerm("params.lr asc")->ascending);
  EXPECT_FALSE(ParseOrderTerm("params.lr DESC")->ascending);
  EXPECT_FALSE(ParseOrderTerm(" attributes.start_time  desc ")->ascending);
}

TEST(ParseOrderTermTest, QuotedKeys) {
  const auto term = ParseOrderTerm("metrics.`val loss` DESC");
  ASSERT_TRUE(term.ok());
  EXPECT_EQ(term->id.key, "val loss");
  EXPECT_EQ(ParseOrderTerm("tags.\"a b\"")->id.key, "a b");
}

TEST(ParseOrderTermTest, RejectsExtraWords) {
  EXPECT_EQ(ParseOrderTerm("metrics.loss DESCENDING").status().message(),
            "at character 14: expected ASC, DESC or the end of the order_by clause, got "
            "'DESCENDING'");
  EXPECT_EQ(ParseOrderTerm("metrics.loss ASC DESC").status().message(),
            "at character 18: expected the end of the order_by clause, got 'DESC'");
  EXPECT_FALSE(ParseOrderTerm("").ok());
}

}  // namespace
}  // namespace runledger::tracking::search
