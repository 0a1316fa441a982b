// S3Server: a real S3 server on 127.0.0.1 for one test, run by e2e/s3 —
// versitygw (a posix directory behind it) or moto's server (in memory).
// e2e/s3's header says what each keeps; both check Signature V4 (region
// us-east-1) against the credentials given here and refuse others with 403.
//
//   S3Server s3("versitygw");
//   ASSERT_TRUE(s3.status().ok()) << s3.status().ToString();
//   ASSERT_TRUE(s3.MakeBucket("runs").ok());
//   ... point the code under test at s3.endpoint() with s3.access_key() ...
//
// Lifetime: the constructor starts the server (e2e/s3 up) under a name of
// its own, from the running test's name, this process and a counter, so
// tests running at once never share one; the destructor removes it and its
// data (e2e/s3 down).
// Errors: each call returns what e2e/s3 said when it fails.
// Thread-safety: none; the test's thread uses it.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace runledger::e2e {

class S3Server {
 public:
  // `kind` is "versitygw" or "moto". status() says whether it came up.
  explicit S3Server(std::string kind);
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  // OK once the server answers; otherwise why not, and the strings below
  // are empty.
  const Status& status() const { return status_; }

  const std::string& kind() const { return kind_; }
  // e2e/s3's NAME for it, e.g. to read its log with `e2e/s3 logs NAME`.
  const std::string& name() const { return name_; }
  // "http://127.0.0.1:PORT"; the same after Stop() and Start().
  const std::string& endpoint() const { return endpoint_; }
  const std::string& access_key() const { return access_key_; }
  const std::string& secret_key() const { return secret_key_; }

  // Creates `bucket` (path-style); an existing one is an error.
  Status MakeBucket(const std::string& bucket);

  // Stops the server: connections are refused until Start(). versitygw
  // keeps its buckets and objects; moto loses them.
  Status Stop();
  // Starts it again on the same port with the same credentials.
  Status Start();

 private:
  // Runs `e2e/s3 VERB NAME ARGS...`: its standard output, or an error
  // with its standard error.
  Result<std::string> Command(const std::string& verb,
                              const std::vector<std::string>& args = {}) const;

  std::string kind_;
  std::string name_;
  Status status_;
  std::string endpoint_;
  std::string access_key_;
  std::string secret_key_;
};

}  // namespace runledger::e2e
