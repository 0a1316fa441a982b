#include "base/http_uri.h"

#include <gtest/gtest.h>

namespace runledger {
namespace {

TEST(HttpUriTest, SplitsHostPortAndPath) {
  auto u = SplitHttpUri("http://runledger.runledger-system.svc:5000/mlflow/");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "runledger.runledger-system.svc");
  EXPECT_EQ(u->port, 5000);
  EXPECT_EQ(u->path, "/mlflow/");

  u = SplitHttpUri("http://[fd00::1]:8080");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "fd00::1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "");

  u = SplitHttpUri("http://10.0.0.1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, 0) << "no port written";
}

TEST(HttpUriTest, RefusesWhatCannotBeSplitSayingWhy) {
  for (const auto& [bad, why] : std::vector<std::pair<const char*, const char*>>{
           {"https://a:1", "not http://"},
           {"http://a:1/x?y=1", "query or fragment"},
           {"http://a:1#top", "query or fragment"},
           {"http://u@a:1", "user info"},
           {"http://fd00::1:5000", "IPv6 address without brackets"},
           {"http://[fd00::1", "unclosed"},
           {"http://[fd00::1]5000", "not :PORT"},
           {"http://a:", "empty port"},
           {"http://:5000", "no host"},
           {"http://a:0", "not 1-65535"},
           {"http://a:65536", "not 1-65535"},
           {"http://a:5x", "not 1-65535"}}) {
    auto u = SplitHttpUri(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_NE(u.status().message().find(why), std::string::npos)
        << bad << ": " << u.status().message();
  }
}

TEST(HttpUriTest, NumericAddressesAndTheirUriForm) {
  EXPECT_TRUE(IsNumericAddress("10.96.0.1"));
  EXPECT_TRUE(IsNumericAddress("fd00::1"));
  EXPECT_FALSE(IsNumericAddress("runledger.svc"));
  EXPECT_EQ(UriHost("fd00::1"), "[fd00::1]");
  EXPECT_EQ(UriHost("10.96.0.1"), "10.96.0.1");
}

}  // namespace
}  // namespace runledger
