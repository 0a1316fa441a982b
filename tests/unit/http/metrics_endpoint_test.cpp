// /metrics served from a Registry through the HTTP server.
#include <gtest/gtest.h>

#include "http/metrics_handler.h"
#include "http/server.h"
#include "metrics/registry.h"
#include "raw_client.h"

namespace runledger {
namespace {

TEST(MetricsEndpoint, GetMetricsServesTheRegistryExposition) {
  metrics::Registry registry;
  auto& requests = registry.Counter("http_requests_total", "Requests served.", {"path"});
  http::Server server({});
  http::Handler expose = http::MetricsHandler(registry);
  server.Handle("GET", "/metrics", [&](const http::Request& r) {
    requests.WithLabels({r.path}).Inc();
    return expose(r);
  });
  ASSERT_TRUE(server.Start().ok());
  http::testing::RawClient c(server.port());
  ASSERT_TRUE(c.Send(http::testing::Get("/metrics")));
  ASSERT_TRUE(c.Read());
  ASSERT_TRUE(c.Send(http::testing::Get("/metrics")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("# TYPE http_requests_total counter\n"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("http_requests_total{path=\"/metrics\"} 2\n"), std::string::npos)
      << r->body;
}

}  // namespace
}  // namespace runledger
