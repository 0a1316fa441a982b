#include "tracking/validation.h"

#include <gtest/gtest.h>

#include <string>

#include "expect_error.h"

namespace runledger::tracking {
namespace {

TEST(ValidateKeyTest, AcceptsWhatMlflowAccepts) {
  for (const char* key :
       {"loss", "val_loss", "train/acc", "a-b.c d:e", "A9", "x/y/z", "0", "lr.schedule/step-1"}) {
    EXPECT_TRUE(ValidateKey("metric", key).ok()) << key;
  }
}

TEST(ValidateKeyTest, EmptyKeyIsMissing) {
  EXPECT_TRUE(Contains(ErrorOf(ValidateKey("metric", "")), "'key'"));
}

TEST(ValidateKeyTest, BadCharactersNameTheKindAndTheKey) {
  for (const char* key : {"loss!", "a\\b", "caf\xc3\xa9", "a\tb", "a\nb", "a=b", "a,b"}) {
    const std::string m = ErrorOf(ValidateKey("metric", key));
    EXPECT_TRUE(Contains(m, "Invalid metric name: '" + std::string(key) + "'")) << m;
    EXPECT_TRUE(Contains(m, "alphanumerics")) << m;
  }
  EXPECT_TRUE(Contains(ErrorOf(ValidateKey("tag", "t#")), "Invalid tag name: 't#'"));
}

TEST(ValidateKeyTest, NulByteIsRefused) {
  EXPECT_FALSE(ValidateKey("metric", std::string_view("a\0b", 3)).ok());
}

// Keys name files in MLflow's file store: nothing that would normalise away.
TEST(ValidateKeyTest, PathTricksAreRefused) {
  for (const char* key :
       {"/a", "a/", "a//b", "./a", "a/.", "a/./b", "../a", "a/..", "a/../b", ".", "..", "/"}) {
    const std::string m = ErrorOf(ValidateKey("metric", key));
    EXPECT_TRUE(Contains(m, "Invalid metric name: '" + std::string(key) + "'")) << m;
  }
}

TEST(ValidateKeyTest, DotsInsideASegmentAreFine) {
  for (const char* key : {"a.b", "...", "a/...", "..a", "a..", ".hidden", "v1.0/x"}) {
    EXPECT_TRUE(ValidateKey("metric", key).ok()) << key;
  }
}

TEST(ValidateKeyTest, LengthLimitIs250) {
  EXPECT_TRUE(ValidateKey("metric", std::string(kMaxKeyLength, 'k')).ok());
  const std::string m = ErrorOf(ValidateKey("metric", std::string(kMaxKeyLength + 1, 'k')));
  EXPECT_TRUE(Contains(m, "250")) << m;
  EXPECT_TRUE(Contains(m, "251")) << m;
}

TEST(ValidateParamTest, ValueUpTo6000Bytes) {
  EXPECT_TRUE(ValidateParam({"lr", ""}).ok());
  EXPECT_TRUE(ValidateParam({"lr", std::string(kMaxParamValueLength, 'v')}).ok());
  const std::string m = ErrorOf(ValidateParam({"lr", std::string(kMaxParamValueLength + 1, 'v')}));
  EXPECT_TRUE(Contains(m, "6001")) << m;
  EXPECT_TRUE(Contains(m, "6000")) << m;
  // The message quotes only the start of the value.
  EXPECT_LT(m.size(), 300u);
}

TEST(ValidateParamTest, BadKeyIsAParameterName) {
  EXPECT_TRUE(Contains(ErrorOf(ValidateParam({"a//b", "1"})), "parameter name: 'a//b'"));
}

TEST(ValidateTagTest, ValueUpTo8000Bytes) {
  EXPECT_TRUE(ValidateTag({"note", std::string(kMaxTagValueLength, 'v')}).ok());
  const std::string m = ErrorOf(ValidateTag({"note", std::string(kMaxTagValueLength + 1, 'v')}));
  EXPECT_TRUE(Contains(m, "8001")) << m;
  EXPECT_TRUE(Contains(m, "8000")) << m;
  EXPECT_LT(m.size(), 300u);
}

// Tags have their own, larger limit than params.
TEST(ValidateTagTest, ValueOverTheParamLimitIsFine) {
  EXPECT_TRUE(ValidateTag({"note", std::string(kMaxParamValueLength + 1, 'v')}).ok());
}

TEST(ValidateTagTest, SystemTagKeysAreValid) {
  for (const char* key : {"mlflow.runName", "mlflow.parentRunId", "mlflow.source.git.commit"}) {
    EXPECT_TRUE(ValidateTag({key, "x"}).ok()) << key;
  }
}

TEST(ValidateTagTest, BadKeyIsATagName) {
  EXPECT_TRUE(Contains(ErrorOf(ValidateTag({"t?", "1"})), "Invalid tag name: 't?'"));
}

TEST(ValidateMetricTest, ChecksTheKeyOnly) {
  EXPECT_TRUE(ValidateMetric({"loss", std::numeric_limits<double>::quiet_NaN(), -5, -1}).ok());
  EXPECT_TRUE(Contains(ErrorOf(ValidateMetric({"lo$s", 1, 1, 1})), "Invalid metric name: 'lo$s'"));
}

TEST(ValidateBatchLimitsTest, AtTheLimitsIsFine) {
  EXPECT_TRUE(ValidateBatchLimits(0, 0, 0).ok());
  EXPECT_TRUE(ValidateBatchLimits(kMaxBatchMetrics, 0, 0).ok());
  EXPECT_TRUE(ValidateBatchLimits(0, kMaxBatchParams, kMaxBatchTags).ok());
  EXPECT_TRUE(ValidateBatchLimits(800, 100, 100).ok());
}

TEST(ValidateBatchLimitsTest, TooManyMetrics) {
  const std::string m = ErrorOf(ValidateBatchLimits(1001, 0, 0));
  EXPECT_TRUE(Contains(m, "at most 1000 metrics")) << m;
  EXPECT_TRUE(Contains(m, "Got 1001 metrics")) << m;
}

TEST(ValidateBatchLimitsTest, TooManyParams) {
  const std::string m = ErrorOf(ValidateBatchLimits(0, 101, 0));
  EXPECT_TRUE(Contains(m, "at most 100 params")) << m;
  EXPECT_TRUE(Contains(m, "Got 101 params")) << m;
}

TEST(ValidateBatchLimitsTest, TooManyTags) {
  const std::string m = ErrorOf(ValidateBatchLimits(0, 0, 101));
  EXPECT_TRUE(Contains(m, "at most 100 tags")) << m;
  EXPECT_TRUE(Contains(m, "Got 101 tags")) << m;
}

TEST(ValidateBatchLimitsTest, TooManyInTotal) {
  const std::string m = ErrorOf(ValidateBatchLimits(801, 100, 100));
  EXPECT_TRUE(Contains(m, "at most 1000 metrics, params, and tags in total")) << m;
  EXPECT_TRUE(Contains(m, "Got 1001")) << m;
}

}  // namespace
}  // namespace runledger::tracking
