// Which variables are recorded, and that secrets never are.
#include "capture/redact.h"

#include <gtest/gtest.h>

namespace runledger::capture {
namespace {

TEST(CaptureRedact, TrackingTokenIsRedacted) {
  auto env = SelectEnv({"MLFLOW_TRACKING_TOKEN=abc123", "MLFLOW_RUN_ID=6f1c"});
  EXPECT_EQ(env["MLFLOW_TRACKING_TOKEN"], kRedacted);
  EXPECT_EQ(env["MLFLOW_RUN_ID"], "6f1c");
}

TEST(CaptureRedact, SecretLookingNamesAreRedactedInAnyCase) {
  for (const char* name :
       {"HF_TOKEN", "GIT_PASSWORD", "CUDA_SECRET", "TF_API_KEY", "PYTHON_credential_file",
        "NCCL_Auth", "TORCH_PRIVATE_URL", "CONDA_PASSWD"}) {
    EXPECT_EQ(RedactedValue(name, "plain"), kRedacted) << name;
  }
}

TEST(CaptureRedact, SecretLookingValuesAreRedactedUnderHarmlessNames) {
  for (const char* value :
       {"ghp_0123456789abcdefghijABCDEFGHIJ", "hf_abcdefghijklmnopqrstu", "AKIAIOSFODNN7EXAMPLE",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "-----BEGIN RSA PRIVATE KEY-----\nMIIE"}) {
    EXPECT_EQ(RedactedValue("PYTHONSTARTUP", value), kRedacted) << value;
  }
}

TEST(CaptureRedact, UrlPasswordIsCutOutOfAKeptValue) {
  EXPECT_EQ(RedactedValue("MLFLOW_TRACKING_URI", "https://user:s3cret@mlflow.example.com/x"),
            "https://user:[redacted]@mlflow.example.com/x");
  EXPECT_EQ(RedactedValue("PYTHON_INDEXES", "http://a:b@one/ http://c@two/"),
            "http://a:[redacted]@one/ http://c@two/");
}

TEST(CaptureRedact, OrdinaryValuesAreKept) {
  EXPECT_EQ(RedactedValue("CUDA_VISIBLE_DEVICES", "0,1"), "0,1");
  EXPECT_EQ(RedactedValue("PATH", "/usr/local/bin:/usr/bin"), "/usr/local/bin:/usr/bin");
  EXPECT_EQ(RedactedValue("MLFLOW_TRACKING_URI", "http://10.0.0.1:5000"), "http://10.0.0.1:5000");
}

TEST(CaptureRedact, UnselectedVariablesAreNotRecorded) {
  auto env = SelectEnv({"HOME=/root", "AWS_SECRET_ACCESS_KEY=x", "MY_APP=1", "NCCL_DEBUG=INFO",
                        "RUNLEDGER_RUN=r1", "broken-entry", "=nameless"});
  EXPECT_EQ(env,
            (std::map<std::string, std::string>{{"NCCL_DEBUG", "INFO"}, {"RUNLEDGER_RUN", "r1"}}));
}

}  // namespace
}  // namespace runledger::capture
