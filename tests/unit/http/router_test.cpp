#include "http/router.h"

#include <gtest/gtest.h>

namespace runledger::http {
namespace {

Route R(std::string method, std::string path, bool prefix = false) {
  return Route{std::move(method), std::move(path), prefix, nullptr, {}, {}};
}

TEST(Router, ExactPathAndMethodMatch) {
  Router r;
  r.Add(R("GET", "/metrics"));
  auto m = r.Find("GET", "/metrics");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path, "/metrics");
}

TEST(Router, ExactPathDoesNotMatchLongerPath) {
  Router r;
  r.Add(R("GET", "/metrics"));
  EXPECT_EQ(r.Find("GET", "/metrics/x").status, 404);
}

TEST(Router, LongestPrefixWins) {
  Router r;
  r.Add(R("GET", "/api/", true));
  r.Add(R("GET", "/api/2.0/mlflow/", true));
  auto m = r.Find("GET", "/api/2.0/mlflow/runs/get");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path, "/api/2.0/mlflow/");
}

TEST(Router, ExactBeatsPrefix) {
  Router r;
  r.Add(R("GET", "/", true));
  r.Add(R("GET", "/healthz"));
  auto m = r.Find("GET", "/healthz");
  ASSERT_NE(m.route, nullptr);
  EXPECT_FALSE(m.route->prefix);
}

TEST(Router, OtherMethodOnLessSpecificRouteStillMatches) {
  Router r;
  r.Add(R("POST", "/upload"));
  r.Add(R("GET", "/", true));
  auto m = r.Find("GET", "/upload");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path, "/");
}

TEST(Router, WrongMethodIs405WithEveryAllowedMethod) {
  Router r;
  r.Add(R("PUT", "/x"));
  r.Add(R("GET", "/x"));
  r.Add(R("POST", "/", true));
  auto m = r.Find("DELETE", "/x");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "GET, HEAD, POST, PUT");
}

TEST(Router, HeadFallsBackToGet) {
  Router r;
  r.Add(R("GET", "/healthz"));
  auto m = r.Find("HEAD", "/healthz");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "GET");
}

TEST(Router, NoRoutesIs404) { EXPECT_EQ(Router().Find("GET", "/").status, 404); }

TEST(Router, AddingTheSameRouteAgainReplacesIt) {
  Router r;
  r.Add(R("GET", "/x"));
  Route second = R("GET", "/x");
  second.options.max_body_bytes = 7;
  r.Add(second);
  EXPECT_EQ(r.Find("GET", "/x").route->options.max_body_bytes, 7u);
}

TEST(Request, HeaderLookupIgnoresCase) {
  Request q;
  q.headers = {{"Content-Type", "a"}, {"X-Two", "1"}, {"x-two", "2"}};
  EXPECT_EQ(q.Header("content-type"), "a");
  EXPECT_EQ(q.Header("X-TWO"), "1");
  EXPECT_EQ(q.Header("missing"), "");
  EXPECT_TRUE(q.HasHeader("x-Two"));
  EXPECT_FALSE(q.HasHeader("missing"));
}

}  // namespace
}  // namespace runledger::http
