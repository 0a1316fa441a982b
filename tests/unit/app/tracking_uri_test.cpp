#include "app/tracking_uri.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace runledger::app {
namespace {

// A resolver that knows a few names, and records what it was asked.
struct FakeDns {
  std::vector<std::string> asked;
  HostLookup Lookup() {
    return [this](const std::string& host) -> Result<std::string> {
      asked.push_back(host);
      if (host == "runledger.runledger-system.svc") return std::string("10.96.0.17");
      if (host == "v6.example") return std::string("fd00::17");
      return Unavailable("cannot resolve \"" + host + "\": Name or service not known");
    };
  }
};

TEST(TrackingUriTest, ServiceNameBecomesItsAddressWithPortAndPathKept) {
  FakeDns dns;
  auto uri = NumericTrackingUri("http://runledger.runledger-system.svc:5000/mlflow", dns.Lookup());
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  EXPECT_EQ(*uri, "http://10.96.0.17:5000/mlflow");
  EXPECT_EQ(dns.asked, std::vector<std::string>{"runledger.runledger-system.svc"});
}

TEST(TrackingUriTest, MissingPortIsHttpDefaultMadeExplicit) {
  FakeDns dns;
  EXPECT_EQ(*NumericTrackingUri("http://runledger.runledger-system.svc", dns.Lookup()),
            "http://10.96.0.17:80");
}

TEST(TrackingUriTest, IPv6AnswerIsBracketed) {
  FakeDns dns;
  EXPECT_EQ(*NumericTrackingUri("http://v6.example:5000", dns.Lookup()), "http://[fd00::17]:5000");
}

TEST(TrackingUriTest, NumericHostsAndEmptyAreKeptWithoutLookingUp) {
  FakeDns dns;
  EXPECT_EQ(*NumericTrackingUri("http://127.0.0.1:5000", dns.Lookup()), "http://127.0.0.1:5000");
  EXPECT_EQ(*NumericTrackingUri("http://[::1]:5000/x", dns.Lookup()), "http://[::1]:5000/x");
  EXPECT_EQ(*NumericTrackingUri("", dns.Lookup()), "");
  EXPECT_TRUE(dns.asked.empty());
}

TEST(TrackingUriTest, MalformedUrisNameTheFlag) {
  FakeDns dns;
  for (const char* bad :
       {"https://runledger:5000", "runledger:5000", "http://:5000", "http://runledger:0",
        "http://runledger:65536", "http://runledger:50x", "http://user@runledger:5000",
        "http://[::1:5000", "http://fd00::1", "http://fd00::1:5000", "http://runledger:5000/x?y=1",
        "http://runledger:5000/#top"}) {
    auto uri = NumericTrackingUri(bad, dns.Lookup());
    ASSERT_FALSE(uri.ok()) << bad;
    EXPECT_EQ(uri.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(
        uri.status().message().find("trackingUri (--tracking-uri) \"" + std::string(bad) + "\""),
        std::string::npos)
        << uri.status().message();
  }
  EXPECT_TRUE(dns.asked.empty());
}

TEST(TrackingUriTest, UnresolvableNameIsUnavailableWithTheResolversReason) {
  FakeDns dns;
  auto uri = ResolveTrackingUri("http://nowhere.svc:5000", std::chrono::seconds(0), dns.Lookup());
  ASSERT_FALSE(uri.ok());
  EXPECT_EQ(uri.status().code(), Code::kUnavailable);
  EXPECT_NE(uri.status().message().find(
                "trackingUri (--tracking-uri) \"http://nowhere.svc:5000\": cannot resolve "
                "\"nowhere.svc\""),
            std::string::npos)
      << uri.status().message();
}

TEST(TrackingUriTest, ResolveRetriesUntilTheRecordAppears) {
  int calls = 0;
  auto late = [&](const std::string&) -> Result<std::string> {
    if (++calls < 2) return Unavailable("not yet");
    return std::string("10.96.0.5");
  };
  auto uri = ResolveTrackingUri("http://runledger.svc:5000", std::chrono::seconds(30), late);
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  EXPECT_EQ(*uri, "http://10.96.0.5:5000");
  EXPECT_EQ(calls, 2);
}

TEST(TrackingUriTest, SystemResolverKnowsLocalhost) {
  auto address = LookUpHost("localhost");
  ASSERT_TRUE(address.ok()) << address.status().ToString();
  EXPECT_TRUE(*address == "127.0.0.1" || *address == "::1") << *address;
}

}  // namespace
}  // namespace runledger::app
