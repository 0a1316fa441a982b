// ArtifactServer: a file:// ObjectStore in a temp dir behind a real
// http::Server on loopback with the artifact routes, for the tests.
// authorize refuses paths under "secret/" (403) and records every call;
// run "run1" has its artifacts under "0/run1/artifacts".
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/server.h"
#include "store/file_object_store.h"
#include "test_util.h"
#include "tracking/artifacts/artifact_routes.h"

namespace runledger::tracking::artifacts::testing {

class ArtifactServer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::FileObjectStore::Open(dir_.path() + "/root");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    http::Server::Options o;
    o.threads = 4;
    server_ = std::make_unique<http::Server>(o);
    ArtifactDeps deps;
    deps.resolve = SingleStoreResolver(*store_);
    deps.authorize = [this](const http::Request&, std::string_view path,
                            Access access) -> std::optional<http::Response> {
      {
        std::lock_guard l(mu_);
        authorized_.push_back(std::string(access == Access::kWrite ? "w:" : "r:") +
                              std::string(path));
      }
      if (path.starts_with("secret/")) {
        return http::JsonResponse(403,
                                  R"({"error_code": "PERMISSION_DENIED", "message": "not yours"})");
      }
      return std::nullopt;
    };
    deps.run_root = [](std::string_view run_id) -> Result<RunRoot> {
      if (run_id != "run1") return NotFound("Run '" + std::string(run_id) + "' not found");
      return RunRoot{"mlflow-artifacts:/0/run1/artifacts", "0/run1/artifacts"};
    };
    RegisterArtifactRoutes(*server_, std::move(deps));
    ASSERT_TRUE(server_->Start().ok());
  }

  std::vector<std::string> authorized() {
    std::lock_guard l(mu_);
    return authorized_;
  }

  store::testing::TempDir dir_;
  std::unique_ptr<store::FileObjectStore> store_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::vector<std::string> authorized_;
};

}  // namespace runledger::tracking::artifacts::testing
