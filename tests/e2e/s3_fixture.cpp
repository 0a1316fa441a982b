#include "s3_fixture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <utility>

#include "base/strings.h"
#include "e2e_env.h"

namespace runledger::e2e {
namespace {

// A name e2e/s3 accepts (letters, digits, '.', '_', '-') that no other
// server on this machine has: the test's full name, this process, and the
// count of servers it started before.
std::string UniqueName() {
  static int started = 0;
  std::string test = "s3";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    test = std::string(info->test_suite_name()) + "." + info->name();
  }
  for (char& c : test) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_') c = '-';
  }
  return test.substr(0, 80) + "-" + std::to_string(getpid()) + "-" + std::to_string(started++);
}

}  // namespace

S3Server::S3Server(std::string kind) : kind_(std::move(kind)), name_(UniqueName()) {
  status_ = [&]() -> Status {
    RETURN_IF_ERROR(Command("up", {kind_}).status());
    ASSIGN_OR_RETURN(endpoint_, Command("endpoint"));
    ASSIGN_OR_RETURN(const std::string credentials, Command("credentials"));
    const size_t space = credentials.find(' ');
    if (space == std::string::npos) return Internal("e2e/s3 credentials: " + credentials);
    access_key_ = credentials.substr(0, space);
    secret_key_ = credentials.substr(space + 1);
    return Status::Ok();
  }();
  if (!status_.ok()) {
    endpoint_.clear();
    access_key_.clear();
    secret_key_.clear();
  }
}

S3Server::~S3Server() {
  const Status removed = Command("down").status();
  EXPECT_TRUE(removed.ok()) << removed.ToString();
}

Status S3Server::MakeBucket(const std::string& bucket) {
  return Command("mkbucket", {bucket}).status();
}

Status S3Server::Stop() { return Command("stop").status(); }

Status S3Server::Start() { return Command("start").status(); }

Result<std::string> S3Server::Command(const std::string& verb,
                                      const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {SourceDir() + "/e2e/s3", verb, name_};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = Run(argv);
  if (r.exit_code != 0) {
    return Internal("e2e/s3 " + verb + " " + name_ + " (exit " + std::to_string(r.exit_code) +
                    "): " + std::string(TrimSpace(r.err)));
  }
  return std::string(TrimSpace(r.out));
}

}  // namespace runledger::e2e
