// The artifact endpoints over raw HTTP: uploads (Content-Length, chunked,
// refused before the body), downloads (Range, 404, directories), listings,
// deletes, run listings, MLflow's error JSON.
#include <gtest/gtest.h>

#include "artifact_fixture.h"
#include "raw_client.h"

namespace runledger::tracking::artifacts {
namespace {

using http::testing::Get;
using http::testing::RawClient;

constexpr std::string_view kBase = "/api/2.0/mlflow-artifacts/artifacts";

std::string Put(std::string_view path, std::string_view body, std::string_view extra = "") {
  return "PUT " + std::string(kBase) + "/" + std::string(path) +
         " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra) + "\r\n" + std::string(body);
}

class ArtifactRoutesTest : public testing::ArtifactServer {
 protected:
  RawClient::Reply Call(const std::string& request) {
    RawClient c(server_->port());
    EXPECT_TRUE(c.Send(request));
    auto r = c.Read();
    EXPECT_TRUE(r) << request;
    return r ? *r : RawClient::Reply{};
  }
  void PutOk(std::string_view path, std::string_view body) {
    auto r = Call(Put(path, body));
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.body, "{}");
  }
};

TEST_F(ArtifactRoutesTest, UploadThenDownload) {
  PutOk("0/r/artifacts/model/MLmodel", "flavors: {}\n");
  EXPECT_EQ(*store_->GetString("0/r/artifacts/model/MLmodel"), "flavors: {}\n");
  auto r = Call(Get(std::string(kBase) + "/0/r/artifacts/model/MLmodel"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "flavors: {}\n");
  EXPECT_EQ(r.Header("content-type"), "text/plain");
  EXPECT_EQ(r.Header("content-length"), "12");
  EXPECT_EQ(r.Header("content-disposition"), "attachment; filename=MLmodel");
  EXPECT_EQ(r.Header("accept-ranges"), "bytes");
  EXPECT_EQ(authorized(), (std::vector<std::string>{"w:0/r/artifacts/model/MLmodel",
                                                    "r:0/r/artifacts/model/MLmodel"}));
}

TEST_F(ArtifactRoutesTest, ChunkedUploadAndPercentEncodedName) {
  auto r = Call("PUT " + std::string(kBase) +
                "/d/my%20plot.png HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(*store_->GetString("d/my plot.png"), "abcde");
  r = Call(Get(std::string(kBase) + "/d/my%20plot.png"));
  EXPECT_EQ(r.body, "abcde");
  EXPECT_EQ(r.Header("content-type"), "image/png");
}

TEST_F(ArtifactRoutesTest, RangeGetIs206AndPastTheEndIs416) {
  PutOk("f.bin", "0123456789");
  auto r = Call(Get(std::string(kBase) + "/f.bin", "Range: bytes=2-5\r\n"));
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "2345");
  EXPECT_EQ(r.Header("content-range"), "bytes 2-5/10");
  EXPECT_EQ(r.Header("content-length"), "4");
  r = Call(Get(std::string(kBase) + "/f.bin", "Range: bytes=-3\r\n"));
  EXPECT_EQ(r.body, "789");
  r = Call(Get(std::string(kBase) + "/f.bin", "Range: bytes=10-\r\n"));
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.Header("content-range"), "bytes */10");
}

TEST_F(ArtifactRoutesTest, MissingObjectIs404ResourceDoesNotExist) {
  auto r = Call(Get(std::string(kBase) + "/nope.txt"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.body,
            R"({"error_code":"RESOURCE_DOES_NOT_EXIST","message":"No such artifact: 'nope.txt'"})");
}

TEST_F(ArtifactRoutesTest, DirectoryDownloadIs400) {
  PutOk("dir/f.txt", "x");
  auto r = Call(Get(std::string(kBase) + "/dir"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("INVALID_PARAMETER_VALUE"), std::string::npos);
}

TEST_F(ArtifactRoutesTest, UnsafePathsAre400InvalidParameterValue) {
  for (std::string path : {"../x", "a/%2e%2e/x", "a%5cb", "a%00b", "%2fetc/passwd", "a//b"}) {
    auto r = Call(Put(path, "data"));
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_NE(r.body.find(R"("error_code":"INVALID_PARAMETER_VALUE")"), std::string::npos)
        << r.body;
    r = Call(Get(std::string(kBase) + "/" + path));
    EXPECT_EQ(r.status, 400) << path;
  }
  auto r = Call(Get(std::string(kBase) + "?path=..%2Fx"));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(authorized().empty());  // Refused before authorisation.
}

TEST_F(ArtifactRoutesTest, RefusedUploadIsAnsweredBeforeTheBody) {
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("PUT " + std::string(kBase) +
                     "/secret/x.bin HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                     "Content-Length: 1000000000\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);  // Not 100 Continue: the client never sends its gigabyte.
  EXPECT_NE(r->body.find("PERMISSION_DENIED"), std::string::npos);
  EXPECT_EQ(store_->Head("secret/x.bin").status().code(), Code::kNotFound);
}

TEST_F(ArtifactRoutesTest, ListsOneLevelAsMlflowDoes) {
  PutOk("0/r/artifacts/model/MLmodel", "m");
  PutOk("0/r/artifacts/model/data/w.bin", "www");
  PutOk("0/r/artifacts/a.txt", "hello world!");
  auto r = Call(Get(std::string(kBase) + "?path=0%2Fr%2Fartifacts"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"files":[{"path":"a.txt","is_dir":false,"file_size":12},)"
                    R"({"path":"model","is_dir":true}]})");
  r = Call(Get(std::string(kBase) + "?path=0/r/artifacts/model/"));
  EXPECT_EQ(r.body, R"({"files":[{"path":"MLmodel","is_dir":false,"file_size":1},)"
                    R"({"path":"data","is_dir":true}]})");
  // Root, and a directory that does not exist: MLflow's empty answer.
  r = Call(Get(std::string(kBase)));
  EXPECT_EQ(r.body, R"({"files":[{"path":"0","is_dir":true}]})");
  r = Call(Get(std::string(kBase) + "?path=nothing"));
  EXPECT_EQ(r.body, "{}");
}

TEST_F(ArtifactRoutesTest, DeleteRemovesTheObjectAndEverythingUnderItOnly) {
  PutOk("a/foo", "1");
  PutOk("a/foobar", "2");
  PutOk("b/foo/x", "3");
  PutOk("b/foo/y/z", "4");
  PutOk("b/foobar", "5");
  auto r = Call("DELETE " + std::string(kBase) + "/a/foo HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{}");
  r = Call("DELETE " + std::string(kBase) + "/b/foo/ HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(store_->Head("a/foo").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Head("b/foo/x").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Head("b/foo/y/z").status().code(), Code::kNotFound);
  EXPECT_TRUE(store_->Head("a/foobar").ok());
  EXPECT_TRUE(store_->Head("b/foobar").ok());
  // Deleting what is not there succeeds, as in MLflow.
  r = Call("DELETE " + std::string(kBase) + "/none HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 200);
}

TEST_F(ArtifactRoutesTest, RunListingForTheWebUi) {
  PutOk("0/run1/artifacts/model/MLmodel", "m");
  PutOk("0/run1/artifacts/plot.png", "png!");
  auto r = Call(Get("/ajax-api/2.0/mlflow/artifacts/list?run_uuid=run1"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            R"({"root_uri":"mlflow-artifacts:/0/run1/artifacts","files":[)"
            R"({"path":"model","is_dir":true},{"path":"plot.png","is_dir":false,"file_size":4}]})");
  r = Call(Get("/api/2.0/mlflow/artifacts/list?run_id=run1&path=model"));
  EXPECT_EQ(r.body, R"({"root_uri":"mlflow-artifacts:/0/run1/artifacts","files":[)"
                    R"({"path":"model/MLmodel","is_dir":false,"file_size":1}]})");
  r = Call(Get("/api/2.0/mlflow/artifacts/list?run_id=run1&path=empty"));
  EXPECT_EQ(r.body, R"({"root_uri":"mlflow-artifacts:/0/run1/artifacts"})");
  EXPECT_EQ(authorized().back(), "r:0/run1/artifacts/empty");
}

TEST_F(ArtifactRoutesTest, RunListingErrors) {
  auto r = Call(Get("/api/2.0/mlflow/artifacts/list?path=x"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error_code":"INVALID_PARAMETER_VALUE","message":)"
                    R"("Missing value for required parameter 'run_id'."})");
  r = Call(Get("/api/2.0/mlflow/artifacts/list?run_id=other"));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("RESOURCE_DOES_NOT_EXIST"), std::string::npos);
  r = Call(Get("/api/2.0/mlflow/artifacts/list?run_id=run1&path=../x"));
  EXPECT_EQ(r.status, 400);
}

TEST_F(ArtifactRoutesTest, MultipartUploadIsNotImplementedAsMlflowSaysIt) {
  auto r = Call(
      "POST /api/2.0/mlflow-artifacts/mpu/create/0/r/artifacts HTTP/1.1\r\nHost: t\r\n"
      "Content-Length: 2\r\n\r\n{}");
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(r.body, R"({"error_code":"NOT_IMPLEMENTED","message":"Multipart upload is not )"
                    R"(supported for the current artifact repository"})");
}

}  // namespace
}  // namespace runledger::tracking::artifacts
