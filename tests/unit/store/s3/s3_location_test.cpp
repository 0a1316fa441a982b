#include "store/s3/s3_location.h"

#include <gtest/gtest.h>

namespace runledger::store::s3 {
namespace {

TEST(ParseS3UriTest, BucketAndPrefix) {
  auto u = ParseS3Uri("s3://ml-artifacts/recsys/churn");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->bucket, "ml-artifacts");
  EXPECT_EQ(u->prefix, "recsys/churn/") << "a prefix ends in '/', so runs never matches runs-old";
  auto trailing = ParseS3Uri("s3://ml-artifacts/recsys/");
  ASSERT_TRUE(trailing.ok());
  EXPECT_EQ(trailing->prefix, "recsys/");
  auto bare = ParseS3Uri("s3://ml-artifacts");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->prefix, "");
}

TEST(ParseS3UriTest, BadUrisNameTheRule) {
  struct Case {
    const char* uri;
    const char* message;
  } cases[] = {
      {"file:///x", "want s3://bucket/prefix"},
      {"s3://ab", "3 to 63 characters"},
      {"s3://Bucket", "lowercase letters"},
      {"s3://-bucket", "start and end"},
      {"s3://my..bucket", "\"..\""},
      {"s3://bucket/a//b", "empty, \".\" or \"..\" segments"},
      {"s3://bucket/a/../b", "segments"},
      {"s3://bucket/p?region=eu-west-1", "no query"},
  };
  for (const auto& c : cases) {
    auto u = ParseS3Uri(c.uri);
    ASSERT_FALSE(u.ok()) << c.uri;
    EXPECT_EQ(u.status().code(), Code::kInvalidArgument) << c.uri;
    EXPECT_NE(u.status().message().find(c.message), std::string::npos)
        << c.uri << ": " << u.status().message();
    EXPECT_NE(u.status().message().find(c.uri), std::string::npos) << "names the URI";
  }
}

TEST(AddressBucketTest, AwsIsVirtualHostUnlessTheBucketHasADot) {
  S3Connection aws;
  aws.region = "eu-west-1";
  auto a = AddressBucket(aws, "ml-artifacts");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->base_url, "https://ml-artifacts.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(a->host, "ml-artifacts.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(a->path_prefix, "");
  auto dotted = AddressBucket(aws, "ml.artifacts");
  ASSERT_TRUE(dotted.ok());
  EXPECT_EQ(dotted->host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(dotted->path_prefix, "/ml.artifacts");
}

TEST(AddressBucketTest, AnExplicitEndpointIsPathStyleByDefault) {
  S3Connection local{"http://127.0.0.1:7070", "us-east-1", Addressing::kAuto};
  auto a = AddressBucket(local, "lake");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->base_url, "http://127.0.0.1:7070");
  EXPECT_EQ(a->host, "127.0.0.1:7070");
  EXPECT_EQ(a->path_prefix, "/lake");
  EXPECT_FALSE(a->tls);
  S3Connection virt{"https://minio.storage.svc:9000/", "us-east-1", Addressing::kVirtualHost};
  auto v = AddressBucket(virt, "lake");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->base_url, "https://lake.minio.storage.svc:9000");
  EXPECT_EQ(v->path_prefix, "");
  EXPECT_TRUE(v->tls);
}

TEST(AddressBucketTest, BadEndpointsAreRefused) {
  for (const char* e : {"127.0.0.1:9000", "ftp://h", "http://h/path", "http://user@h", "http://"}) {
    auto a = AddressBucket({e, "us-east-1", Addressing::kAuto}, "lake");
    EXPECT_EQ(a.status().code(), Code::kInvalidArgument) << e;
  }
  EXPECT_FALSE(AddressBucket({"", "", Addressing::kAuto}, "lake").ok()) << "empty region";
}

TEST(ParseAddressingTest, Names) {
  EXPECT_EQ(*ParseAddressing("path"), Addressing::kPath);
  EXPECT_EQ(*ParseAddressing("virtual"), Addressing::kVirtualHost);
  EXPECT_EQ(*ParseAddressing("auto"), Addressing::kAuto);
  EXPECT_FALSE(ParseAddressing("dns").ok());
}

}  // namespace
}  // namespace runledger::store::s3
