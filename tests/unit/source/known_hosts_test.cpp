// KnownHosts: host patterns, ports, hashed names (written by the real
// ssh-keygen) and markers.
#include "source/known_hosts.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/encoding.h"

namespace runledger::source {
namespace {

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Two real ed25519 host keys from ssh-keygen, as "type base64" and as blobs.
class KnownHostsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/known-hosts-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    for (const char* name : {"a", "b"}) {
      std::string cmd = "ssh-keygen -q -t ed25519 -N '' -C test -f " + (dir_ / name).string();
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
    key_a_ = TypeAndKey(ReadAll(dir_ / "a.pub"));
    key_b_ = TypeAndKey(ReadAll(dir_ / "b.pub"));
    blob_a_ = DecodeBase64(key_a_.substr(key_a_.find(' ') + 1)).value();
    blob_b_ = DecodeBase64(key_b_.substr(key_b_.find(' ') + 1)).value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string TypeAndKey(const std::string& pub) {
    std::istringstream in(pub);
    std::string type, key;
    in >> type >> key;
    return type + " " + key;
  }

  KnownHosts Parse(const std::string& text) {
    Result<KnownHosts> k = KnownHosts::Parse(text);
    EXPECT_TRUE(k.ok()) << k.status().ToString();
    return k.ok() ? std::move(k).value() : KnownHosts();
  }

  std::filesystem::path dir_;
  std::string key_a_, key_b_, blob_a_, blob_b_;
};

TEST_F(KnownHostsTest, PlainHostMatchesItsKey) {
  KnownHosts k = Parse("git.example.com " + key_a_ + "\n");
  EXPECT_EQ(k.Check("git.example.com", 22, blob_a_), HostKeyCheck::kMatch);
}

TEST_F(KnownHostsTest, OtherKeyIsMismatch) {
  KnownHosts k = Parse("git.example.com " + key_a_ + "\n");
  EXPECT_EQ(k.Check("git.example.com", 22, blob_b_), HostKeyCheck::kMismatch);
}

TEST_F(KnownHostsTest, UnlistedHostIsUnknown) {
  KnownHosts k = Parse("git.example.com " + key_a_ + "\n");
  EXPECT_EQ(k.Check("other.example.com", 22, blob_a_), HostKeyCheck::kUnknown);
}

TEST_F(KnownHostsTest, HostNamesCompareCaseBlind) {
  KnownHosts k = Parse("Git.Example.COM " + key_a_ + "\n");
  EXPECT_EQ(k.Check("git.example.com", 22, blob_a_), HostKeyCheck::kMatch);
}

TEST_F(KnownHostsTest, NonDefaultPortNeedsBracketForm) {
  KnownHosts k = Parse("[git.example.com]:2222 " + key_a_ + "\ngit.example.com " + key_b_ + "\n");
  EXPECT_EQ(k.Check("git.example.com", 2222, blob_a_), HostKeyCheck::kMatch);
  EXPECT_EQ(k.Check("git.example.com", 2222, blob_b_), HostKeyCheck::kMismatch);
  EXPECT_EQ(k.Check("git.example.com", 22, blob_b_), HostKeyCheck::kMatch);
}

TEST_F(KnownHostsTest, CommaListsWildcardsAndNegation) {
  KnownHosts k = Parse("alias,*.example.com,!bad.example.com " + key_a_ + "\n");
  EXPECT_EQ(k.Check("alias", 22, blob_a_), HostKeyCheck::kMatch);
  EXPECT_EQ(k.Check("git.example.com", 22, blob_a_), HostKeyCheck::kMatch);
  EXPECT_EQ(k.Check("bad.example.com", 22, blob_a_), HostKeyCheck::kUnknown);
}

TEST_F(KnownHostsTest, HashedNamesFromSshKeygenMatch) {
  std::filesystem::path file = dir_ / "known_hosts";
  std::ofstream(file) << "git.example.com " << key_a_ << "\n[git.example.com]:2222 " << key_b_
                      << "\n";
  std::string cmd = "ssh-keygen -q -H -f " + file.string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::string hashed = ReadAll(file);
  ASSERT_EQ(hashed.find("git.example.com"), std::string::npos) << hashed;
  KnownHosts k = Parse(hashed);
  EXPECT_EQ(k.Check("git.example.com", 22, blob_a_), HostKeyCheck::kMatch);
  EXPECT_EQ(k.Check("git.example.com", 2222, blob_b_), HostKeyCheck::kMatch);
  EXPECT_EQ(k.Check("git.example.com", 22, blob_b_), HostKeyCheck::kMismatch);
  EXPECT_EQ(k.Check("other.example.com", 22, blob_a_), HostKeyCheck::kUnknown);
}

TEST_F(KnownHostsTest, RevokedKeyIsRevoked) {
  KnownHosts k = Parse("@revoked * " + key_b_ + "\ngit.example.com " + key_b_ + "\n");
  EXPECT_EQ(k.Check("git.example.com", 22, blob_b_), HostKeyCheck::kRevoked);
}

TEST_F(KnownHostsTest, CommentsBlankLinesAndCertAuthoritiesAreSkipped) {
  KnownHosts k = Parse("# comment\n\n@cert-authority *.example.com " + key_b_ +
                       "\r\ngit.example.com " + key_a_ + " trailing comment\r\n");
  EXPECT_EQ(k.size(), 1u);
  EXPECT_EQ(k.Check("git.example.com", 22, blob_a_), HostKeyCheck::kMatch);
  EXPECT_EQ(k.Check("x.example.com", 22, blob_b_), HostKeyCheck::kUnknown);
}

TEST_F(KnownHostsTest, MalformedLineNamesItsNumber) {
  Result<KnownHosts> k = KnownHosts::Parse("git.example.com " + key_a_ + "\nbroken-line\n");
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), Code::kInvalidArgument);
  EXPECT_NE(k.status().message().find("line 2"), std::string::npos) << k.status().message();
}

TEST_F(KnownHostsTest, KeyThatIsNotBase64IsInvalid) {
  Result<KnownHosts> k = KnownHosts::Parse("git.example.com ssh-ed25519 not*base64\n");
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace runledger::source
