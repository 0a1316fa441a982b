#include "tracking/request_args.h"

#include <gtest/gtest.h>

#include <limits>

#include "expect_error.h"

namespace runledger::tracking {
namespace {

using Strings = std::vector<std::string>;
using Pairs = std::vector<std::pair<std::string, std::string>>;

RequestArgs Json(std::string_view body) {
  auto args = RequestArgs::FromJson(body);
  EXPECT_TRUE(args.ok()) << args.status().ToString();
  return args.ok() ? *args : *RequestArgs::FromJson("");
}

TEST(RequestArgsQueryTest, ReadsParameters) {
  const auto args = RequestArgs::FromQuery("run_id=abc&metric_key=val%20loss&max_results=10");
  EXPECT_EQ(*args.String("run_id"), "abc");
  EXPECT_EQ(*args.String("metric_key"), "val loss");
  EXPECT_EQ(*args.Int("max_results"), 10);
}

// mlflow's client sends list parameters of GETs repeated.
TEST(RequestArgsQueryTest, RepeatedRunIdsAreAList) {
  const auto args = RequestArgs::FromQuery("run_ids=a&metric_key=m&run_ids=b&run_ids=c");
  EXPECT_EQ(*args.Strings("run_ids"), (Strings{"a", "b", "c"}));
  EXPECT_EQ(*args.String("metric_key"), "m");
}

TEST(RequestArgsQueryTest, OneRunIdIsAListOfOne) {
  EXPECT_EQ(*RequestArgs::FromQuery("run_ids=a").Strings("run_ids"), (Strings{"a"}));
}

TEST(RequestArgsQueryTest, RepeatedSingleValueIsRefused) {
  EXPECT_TRUE(
      Contains(ErrorOf(RequestArgs::FromQuery("run_id=a&run_id=b").String("run_id")), "'run_id'"));
}

TEST(RequestArgsQueryTest, NamesAreDecodedToo) {
  EXPECT_EQ(*RequestArgs::FromQuery("run%5Fid=x").String("run_id"), "x");
}

TEST(RequestArgsQueryTest, EmptyPiecesAndBareNames) {
  const auto args = RequestArgs::FromQuery("&&a=1&&flag&b=&c==x&");
  EXPECT_EQ(*args.String("a"), "1");
  EXPECT_TRUE(args.Has("flag"));
  EXPECT_EQ(*args.String("flag"), "");
  EXPECT_TRUE(args.Has("b"));
  EXPECT_EQ(*args.String("c"), "=x");
  EXPECT_FALSE(args.Has("d"));
}

TEST(RequestArgsQueryTest, EmptyQueryHasNothing) {
  const auto args = RequestArgs::FromQuery("");
  EXPECT_FALSE(args.Has("run_id"));
  EXPECT_EQ(*args.String("run_id"), "");
  EXPECT_EQ(*args.Int("max_results"), std::nullopt);
  EXPECT_TRUE(args.Strings("run_ids")->empty());
}

TEST(RequestArgsQueryTest, IntegersFromText) {
  const auto args = RequestArgs::FromQuery("a=-5&b=9223372036854775807&c=1.5&d=x&e=&f=12abc");
  EXPECT_EQ(*args.Int("a"), -5);
  EXPECT_EQ(*args.Int("b"), std::numeric_limits<int64_t>::max());
  for (const char* bad : {"c", "d", "e", "f"}) {
    EXPECT_TRUE(Contains(ErrorOf(args.Int(bad)), "Invalid value for parameter '" +
                                                     std::string(bad) + "': expected an integer"))
        << bad;
  }
}

TEST(RequestArgsQueryTest, IntegerOutOfRangeIsRefused) {
  EXPECT_FALSE(RequestArgs::FromQuery("n=9223372036854775808").Int("n").ok());
}

TEST(RequestArgsJsonTest, EmptyBodyHasNoParameters) {
  for (const char* body : {"", "  \r\n\t"}) {
    const auto args = RequestArgs::FromJson(body);
    ASSERT_TRUE(args.ok()) << body;
    EXPECT_FALSE(args->Has("run_id"));
  }
}

TEST(RequestArgsJsonTest, NotAnObjectIsRefused) {
  for (const char* body : {"[]", "null", "1", "\"x\"", "{", "{\"a\":}", "not json"}) {
    const std::string m = ErrorOf(RequestArgs::FromJson(body));
    EXPECT_TRUE(Contains(m, "Malformed request body")) << body << ": " << m;
  }
}

TEST(RequestArgsJsonTest, DeepNestingIsRefusedNotACrash) {
  const std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_FALSE(RequestArgs::FromJson(deep).ok());
}

TEST(RequestArgsJsonTest, Strings) {
  const auto args = Json(R"({"name":"exp","n":5,"empty":""})");
  EXPECT_EQ(*args.String("name"), "exp");
  EXPECT_TRUE(Contains(ErrorOf(args.String("n")), "'n': expected a string"));
  EXPECT_EQ(*args.String("absent"), "");
}

TEST(RequestArgsJsonTest, NullIsAbsent) {
  const auto args = Json(R"({"run_id":null,"max_results":null,"tags":null})");
  EXPECT_FALSE(args.Has("run_id"));
  EXPECT_EQ(*args.String("run_id"), "");
  EXPECT_EQ(*args.Int("max_results"), std::nullopt);
  EXPECT_TRUE(args.KeyValues("tags")->empty());
}

TEST(RequestArgsJsonTest, RequiredNamesTheParameter) {
  const auto args = Json(R"({"name":"","other":"x"})");
  EXPECT_EQ(*args.Required("other"), "x");
  EXPECT_TRUE(
      Contains(ErrorOf(args.Required("name")), "Missing value for required parameter 'name'"));
  EXPECT_TRUE(
      Contains(ErrorOf(args.Required("absent")), "Missing value for required parameter 'absent'"));
}

TEST(RequestArgsJsonTest, RequiredOneOfTakesTheFirstPresent) {
  EXPECT_EQ(*Json(R"({"run_uuid":"old","run_id":"new"})").RequiredOneOf({"run_id", "run_uuid"}),
            "new");
  EXPECT_EQ(*Json(R"({"run_uuid":"old"})").RequiredOneOf({"run_id", "run_uuid"}), "old");
  EXPECT_EQ(*Json(R"({"run_id":null,"run_uuid":"old"})").RequiredOneOf({"run_id", "run_uuid"}),
            "old");
}

TEST(RequestArgsJsonTest, RequiredOneOfNamesTheFirstWhenNoneIsThere) {
  EXPECT_TRUE(Contains(ErrorOf(Json("{}").RequiredOneOf({"run_id", "run_uuid"})),
                       "Missing value for required parameter 'run_id'"));
}

// protobuf's JSON form writes int64 as a string; clients send either.
TEST(RequestArgsJsonTest, IntegersAsNumbersOrStrings) {
  const auto args =
      Json(R"({"a":7,"b":"-12","c":1.7e12,"d":3.0,"e":-9223372036854775808,"f":[4]})");
  EXPECT_EQ(*args.Int("a"), 7);
  EXPECT_EQ(*args.Int("b"), -12);
  EXPECT_EQ(*args.Int("c"), 1700000000000);
  EXPECT_EQ(*args.Int("d"), 3);
  EXPECT_EQ(*args.Int("e"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(*args.Int("f"), 4);
}

TEST(RequestArgsJsonTest, NonIntegersAreRefused) {
  const auto args =
      Json(R"({"a":1.5,"b":"1.5","c":true,"d":{},"e":[1,2],"f":"","g":" 1","h":1e300})");
  for (const char* name : {"a", "b", "c", "d", "e", "f", "g", "h"}) {
    EXPECT_TRUE(Contains(ErrorOf(args.Int(name)), "expected an integer")) << name;
  }
}

// nlohmann reads 2^63..2^64-1 as unsigned; as int64 they would wrap to
// negative numbers (max_results=-1, start_time before 1970) rather than be
// refused.
TEST(RequestArgsJsonTest, IntegerAboveInt64MaxIsRefused) {
  const auto args = Json(R"({"a":9223372036854775808,"b":18446744073709551615})");
  EXPECT_FALSE(args.Int("a").ok()) << args.Int("a")->value_or(0);
  EXPECT_FALSE(args.Int("b").ok()) << args.Int("b")->value_or(0);
}

TEST(RequestArgsJsonTest, StringsFromAListOrOneString) {
  const auto args = Json(R"({"ids":["a","b"],"one":"x","empty":[],"bad":["a",1],"num":3})");
  EXPECT_EQ(*args.Strings("ids"), (Strings{"a", "b"}));
  EXPECT_EQ(*args.Strings("one"), (Strings{"x"}));
  EXPECT_TRUE(args.Strings("empty")->empty());
  EXPECT_TRUE(Contains(ErrorOf(args.Strings("bad")), "'bad': expected a list of strings"));
  EXPECT_TRUE(Contains(ErrorOf(args.Strings("num")), "'num': expected a list of strings"));
}

TEST(RequestArgsJsonTest, KeyValues) {
  const auto args = Json(R"({"tags":[{"key":"a","value":"1"},{"key":"b","value":""}]})");
  EXPECT_EQ(*args.KeyValues("tags"), (Pairs{{"a", "1"}, {"b", ""}}));
}

TEST(RequestArgsJsonTest, KeyValueWithoutValueIsEmpty) {
  EXPECT_EQ(*Json(R"({"tags":[{"key":"a"},{"key":"b","value":null}]})").KeyValues("tags"),
            (Pairs{{"a", ""}, {"b", ""}}));
}

TEST(RequestArgsJsonTest, KeyValuesOfTheWrongShape) {
  for (const char* body :
       {R"({"tags":{"a":"1"}})", R"({"tags":["a"]})", R"({"tags":[{"value":"1"}]})",
        R"({"tags":[{"key":1,"value":"1"}]})", R"({"tags":[{"key":"a","value":1}]})",
        R"({"tags":[{"key":null,"value":"1"}]})", R"({"tags":"a=1"})"}) {
    const std::string m = ErrorOf(Json(body).KeyValues("tags"));
    EXPECT_TRUE(Contains(m, "Invalid value for parameter 'tags'")) << body << ": " << m;
  }
}

// The same call reads the same from a GET query and a POST body.
TEST(RequestArgsTest, QueryAndJsonReadAlike) {
  const auto query = RequestArgs::FromQuery("run_id=r&max_results=5&run_ids=a&run_ids=b");
  const auto body = Json(R"({"run_id":"r","max_results":"5","run_ids":["a","b"]})");
  for (const RequestArgs* args : {&query, &body}) {
    EXPECT_EQ(*args->Required("run_id"), "r");
    EXPECT_EQ(*args->Int("max_results"), 5);
    EXPECT_EQ(*args->Strings("run_ids"), (Strings{"a", "b"}));
  }
}

}  // namespace
}  // namespace runledger::tracking
