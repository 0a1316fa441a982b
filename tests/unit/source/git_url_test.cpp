// ParseGitUrl and DisplayUrl: the URL forms users write, and no secret in a message.
#include "source/git_url.h"

#include <gtest/gtest.h>

namespace runledger::source {
namespace {

TEST(GitUrlTest, HttpsWithPort) {
  Result<GitUrl> u = ParseGitUrl("https://git.example.com:8443/ml/ranker.git");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->transport, GitUrl::Transport::kHttps);
  EXPECT_EQ(u->host, "git.example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/ml/ranker.git");
  EXPECT_EQ(u->display, "https://git.example.com:8443/ml/ranker.git");
}

TEST(GitUrlTest, HttpDefaultsToPort80) {
  Result<GitUrl> u = ParseGitUrl("http://127.0.0.1/r.git");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->transport, GitUrl::Transport::kHttp);
  EXPECT_EQ(u->EffectivePort(), 80);
}

TEST(GitUrlTest, SshWithUserAndPort) {
  Result<GitUrl> u = ParseGitUrl("ssh://git@git.example.com:2222/ml/ranker.git");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->transport, GitUrl::Transport::kSsh);
  EXPECT_FALSE(u->scp_like);
  EXPECT_EQ(u->user, "git");
  EXPECT_EQ(u->EffectivePort(), 2222);
  EXPECT_EQ(u->display, "ssh://git@git.example.com:2222/ml/ranker.git");
}

TEST(GitUrlTest, ScpLike) {
  Result<GitUrl> u = ParseGitUrl("git@github.com:org/repo.git");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->transport, GitUrl::Transport::kSsh);
  EXPECT_TRUE(u->scp_like);
  EXPECT_EQ(u->user, "git");
  EXPECT_EQ(u->host, "github.com");
  EXPECT_EQ(u->path, "org/repo.git");
  EXPECT_EQ(u->EffectivePort(), 22);
}

TEST(GitUrlTest, IPv6Host) {
  Result<GitUrl> u = ParseGitUrl("http://[::1]:8080/r.git");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8080);
}

TEST(GitUrlTest, UnsupportedSchemesAreInvalid) {
  for (const char* url : {"file:///srv/git/r.git", "git://example.com/r.git", "ftp://h/r.git"}) {
    Result<GitUrl> u = ParseGitUrl(url);
    ASSERT_FALSE(u.ok()) << url;
    EXPECT_EQ(u.status().code(), Code::kInvalidArgument) << url;
    EXPECT_NE(u.status().message().find("unsupported scheme"), std::string::npos) << url;
  }
}

TEST(GitUrlTest, LocalPathIsInvalid) {
  Result<GitUrl> u = ParseGitUrl("/srv/git/r.git");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), Code::kInvalidArgument);
}

TEST(GitUrlTest, MalformedUrlsAreInvalid) {
  for (const char* url : {"", "https://", "https://host", "https://host/", "https://:80/r.git",
                          "https://host:99999/r.git", "https://host:x/r.git", "git@:r.git",
                          "git@host:", "https://host/r .git", "https://ho$t/r.git"}) {
    Result<GitUrl> u = ParseGitUrl(url);
    EXPECT_FALSE(u.ok()) << url;
    if (!u.ok()) {
      EXPECT_EQ(u.status().code(), Code::kInvalidArgument) << url;
    }
  }
}

TEST(GitUrlTest, PasswordInHttpsUrlIsRefusedWithoutRepeatingIt) {
  Result<GitUrl> u = ParseGitUrl("https://alice:hunter2-secret@git.example.com/r.git");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(u.status().message().find("hunter2-secret"), std::string::npos) << u.status().message();
  EXPECT_NE(u.status().message().find("Secret"), std::string::npos);
}

TEST(GitUrlTest, DisplayDropsHttpsUserinfo) {
  Result<GitUrl> u = ParseGitUrl("https://ghp_token123@git.example.com/r.git");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->display, "https://git.example.com/r.git");
  EXPECT_EQ(DisplayUrl("https://alice:pw@h/r.git"), "https://h/r.git");
}

TEST(GitUrlTest, DisplayKeepsSshLoginDropsPassword) {
  EXPECT_EQ(DisplayUrl("ssh://git:pw@h/r.git"), "ssh://git@h/r.git");
  EXPECT_EQ(DisplayUrl("git@h:org/r.git"), "git@h:org/r.git");
  EXPECT_EQ(DisplayUrl("git:pw@h:org/r.git"), "git@h:org/r.git");
}

TEST(GitUrlTest, DisplayReplacesControlCharacters) {
  EXPECT_EQ(DisplayUrl("https://h/r\n.git"), "https://h/r?.git");
}

}  // namespace
}  // namespace runledger::source
