// ResolveRevision against a real git server: e2e/git-server running
// `git http-backend` on loopback, with repositories made by the git CLI.
// Needs git and python3; no cluster.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "source/git.h"

namespace runledger::source {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr char kUser[] = "alice";
constexpr char kPassword[] = "s3cret-Passw0rd";

// Runs `cmd` through the shell; its stdout without the final newline.
std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr) << cmd;
  if (p == nullptr) return out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int rc = pclose(p);
  EXPECT_EQ(rc, 0) << cmd << "\n" << out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// e2e/git-server as a child process; stopped by the destructor.
class GitServer {
 public:
  explicit GitServer(const fs::path& root, std::vector<std::string> extra = {}) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      std::vector<std::string> args = {RUNLEDGER_SOURCE_DIR "/e2e/git-server", "--root",
                                       root.string()};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    // The server prints its URL once it listens; wait for that line.
    auto deadline = steady_clock::now() + seconds(30);
    char c;
    while (steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      if (read(fds[0], &c, 1) != 1) break;
      if (c == '\n') break;
      url_.push_back(c);
    }
    close(fds[0]);
  }
  ~GitServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

// A loopback port nobody listens on: bound, then closed.
int ClosedPort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

// A server that accepts connections (the kernel completes them into the
// backlog) and never says a word.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    listen(fd_, 16);
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~SilentServer() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class GitResolveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/git-resolve-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string d = dir_.string();
    std::string git = "git -c user.name=test -c user.email=test@example.com -C " + d + "/work ";
    Shell("git init -q -b main " + d + "/work");
    Shell(git + "commit -q --allow-empty -m first");
    Shell(git + "tag light");
    Shell(git + "commit -q --allow-empty -m second");
    Shell(git + "tag -a v1.0 -m 'release 1.0'");
    Shell(git + "checkout -q -b feature");
    Shell(git + "commit -q --allow-empty -m third");
    Shell(git + "checkout -q main");
    Shell("git init -q --bare -b main " + d + "/root/repo.git");
    Shell(git + "push -q " + d + "/root/repo.git main feature light v1.0");
    server_ = std::make_unique<GitServer>(dir_ / "root");
    ASSERT_FALSE(server_->url().empty()) << "e2e/git-server did not print its URL";
    url_ = server_->url() + "repo.git";
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }
  std::string RevParse(const std::string& rev) {
    return Shell("git -C " + dir_.string() + "/work rev-parse '" + rev + "'");
  }

  fs::path dir_;
  std::unique_ptr<GitServer> server_;
  std::string url_;
  GitCredentials none_;
};

TEST_F(GitResolveTest, MainResolvesToTheBranchSha) {
  Result<ResolvedRevision> r = ResolveRevision(url_, "main", none_, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, RevParse("main"));
  EXPECT_EQ(r->resolved_from, "refs/heads/main");
}

TEST_F(GitResolveTest, OtherBranchResolves) {
  Result<ResolvedRevision> r = ResolveRevision(url_, "feature", none_, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, RevParse("feature"));
  EXPECT_NE(r->commit, RevParse("main"));
}

TEST_F(GitResolveTest, LightweightTagResolvesToItsCommit) {
  Result<ResolvedRevision> r = ResolveRevision(url_, "light", none_, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, RevParse("light"));
  EXPECT_EQ(r->resolved_from, "refs/tags/light");
}

TEST_F(GitResolveTest, AnnotatedTagIsPeeledToItsCommit) {
  Result<ResolvedRevision> r = ResolveRevision(url_, "v1.0", none_, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, RevParse("v1.0^{commit}"));
  EXPECT_NE(r->commit, RevParse("v1.0"));  // Not the tag object.
}

TEST_F(GitResolveTest, HeadResolvesToTheDefaultBranch) {
  Result<ResolvedRevision> r = ResolveRevision(url_, "HEAD", none_, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, RevParse("main"));
}

TEST_F(GitResolveTest, FullRefNameResolves) {
  Result<ResolvedRevision> r = ResolveRevision(url_, "refs/heads/feature", none_, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, RevParse("feature"));
}

TEST_F(GitResolveTest, HostNameIsLookedUp) {
  std::string url = url_;
  url.replace(url.find("127.0.0.1"), 9, "localhost");
  Result<ResolvedRevision> r = ResolveRevision(url, "main", none_, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, RevParse("main"));
}

TEST_F(GitResolveTest, FullShaIsReturnedWithoutNetwork) {
  std::string sha = RevParse("feature");
  std::string nowhere = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/repo.git";
  Result<ResolvedRevision> r = ResolveRevision(nowhere, sha, none_, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, sha);
  EXPECT_EQ(r->resolved_from, sha);
}

TEST_F(GitResolveTest, ShortShaIsInvalidArgument) {
  Result<ResolvedRevision> r =
      ResolveRevision(url_, RevParse("main").substr(0, 7), none_, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
}

TEST_F(GitResolveTest, UnknownRefIsNotFoundNamingTheRef) {
  Result<ResolvedRevision> r = ResolveRevision(url_, "no-such-branch", none_, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), "no ref 'no-such-branch' at " + url_);
}

TEST_F(GitResolveTest, MissingRepositoryIsNotFound) {
  Result<ResolvedRevision> r =
      ResolveRevision(server_->url() + "absent.git", "main", none_, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound) << r.status().ToString();
}

TEST_F(GitResolveTest, BadUrlIsInvalidArgument) {
  Result<ResolvedRevision> r = ResolveRevision("file:///srv/repo.git", "main", none_, seconds(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST_F(GitResolveTest, RightPasswordResolves) {
  GitServer locked(dir_ / "root", {"--user", kUser, "--password", kPassword});
  ASSERT_FALSE(locked.url().empty());
  GitCredentials creds;
  creds.username = kUser;
  creds.password = kPassword;
  Result<ResolvedRevision> r =
      ResolveRevision(locked.url() + "repo.git", "main", creds, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, RevParse("main"));
}

TEST_F(GitResolveTest, TokenAloneIsSentAsXAccessToken) {
  GitServer locked(dir_ / "root", {"--user", "x-access-token", "--password", "tok-123456"});
  ASSERT_FALSE(locked.url().empty());
  GitCredentials creds;
  creds.password = "tok-123456";
  Result<ResolvedRevision> r =
      ResolveRevision(locked.url() + "repo.git", "main", creds, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, RevParse("main"));
}

TEST_F(GitResolveTest, WrongPasswordIsUnauthenticatedWithoutTheSecret) {
  GitServer locked(dir_ / "root", {"--user", kUser, "--password", kPassword});
  ASSERT_FALSE(locked.url().empty());
  GitCredentials creds;
  creds.username = kUser;
  creds.password = "wrong-Secret-9876";
  std::string url = locked.url() + "repo.git";
  Result<ResolvedRevision> r = ResolveRevision(url, "main", creds, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << r.status().ToString();
  EXPECT_EQ(r.status().message(), "credentials rejected by " + url);
  EXPECT_EQ(r.status().message().find("wrong-Secret-9876"), std::string::npos);
  EXPECT_EQ(r.status().message().find(kPassword), std::string::npos);
}

TEST_F(GitResolveTest, TokenInUrlNeverReachesTheMessage) {
  GitServer locked(dir_ / "root", {"--user", kUser, "--password", kPassword});
  ASSERT_FALSE(locked.url().empty());
  std::string url = locked.url() + "repo.git";
  std::string with_token = url;
  with_token.insert(std::string("http://").size(), "ghp_TokenInUrl42@");
  Result<ResolvedRevision> r = ResolveRevision(with_token, "main", none_, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << r.status().ToString();
  EXPECT_EQ(r.status().message().find("ghp_TokenInUrl42"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find(url), std::string::npos) << r.status().message();
}

TEST_F(GitResolveTest, NoCredentialsForALockedRepositoryIsUnauthenticated) {
  GitServer locked(dir_ / "root", {"--user", kUser, "--password", kPassword});
  ASSERT_FALSE(locked.url().empty());
  Result<ResolvedRevision> r =
      ResolveRevision(locked.url() + "repo.git", "main", none_, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << r.status().ToString();
}

TEST_F(GitResolveTest, HttpsWithAnUntrustedCertificateIsUnavailable) {
  std::string d = dir_.string();
  Shell("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + d +
        "/key.pem -out " + d + "/cert.pem 2>/dev/null");
  GitServer tls(dir_ / "root", {"--tls-cert", d + "/cert.pem", "--tls-key", d + "/key.pem"});
  ASSERT_EQ(tls.url().rfind("https://", 0), 0u) << tls.url();
  std::string url = tls.url() + "repo.git";
  Result<ResolvedRevision> r = ResolveRevision(url, "main", none_, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_EQ(r.status().message(),
            "cannot reach " + url + ": the TLS certificate of 127.0.0.1 is not trusted");
}

TEST_F(GitResolveTest, UnreachablePortIsUnavailable) {
  std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/repo.git";
  Result<ResolvedRevision> r = ResolveRevision(url, "main", none_, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_EQ(r.status().message().rfind("cannot reach " + url + ": ", 0), 0u)
      << r.status().message();
}

TEST_F(GitResolveTest, SilentHttpServerIsBoundedByTheTimeout) {
  SilentServer silent;
  std::string url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/repo.git";
  auto start = steady_clock::now();
  Result<ResolvedRevision> r = ResolveRevision(url, "main", none_, seconds(2));
  auto took = steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded) << r.status().ToString();
  EXPECT_EQ(r.status().message(), "no answer from " + url + " within 2s");
  EXPECT_GE(took, std::chrono::milliseconds(1900));
  EXPECT_LT(took, seconds(5));
}

TEST_F(GitResolveTest, SilentSshServerIsBoundedByTheTimeout) {
  SilentServer silent;
  std::string url = "ssh://git@127.0.0.1:" + std::to_string(silent.port()) + "/repo.git";
  GitCredentials creds;
  creds.ssh_private_key = "-----BEGIN OPENSSH PRIVATE KEY-----\nunused\n";
  auto start = steady_clock::now();
  Result<ResolvedRevision> r = ResolveRevision(url, "main", creds, seconds(2));
  auto took = steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded) << r.status().ToString();
  EXPECT_LT(took, seconds(5));
}

TEST_F(GitResolveTest, ConcurrentResolutionsAgree) {
  std::vector<std::thread> threads;
  std::vector<Result<ResolvedRevision>> results(6, Result<ResolvedRevision>(Internal("unset")));
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = ResolveRevision(url_, i % 2 ? "feature" : "v1.0", none_, seconds(30));
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status().ToString();
    EXPECT_EQ(results[i]->commit, RevParse(i % 2 ? "feature" : "v1.0^{commit}"));
  }
}

TEST_F(GitResolveTest, GitServerAnswersGitLsRemote) {
  std::string listing = Shell("git ls-remote " + url_);
  EXPECT_NE(listing.find(RevParse("main") + "\trefs/heads/main"), std::string::npos) << listing;
  EXPECT_NE(listing.find(RevParse("v1.0^{commit}") + "\trefs/tags/v1.0^{}"), std::string::npos)
      << listing;
}

TEST_F(GitResolveTest, GitServerRequiresItsPasswordFromGitToo) {
  GitServer locked(dir_ / "root", {"--user", kUser, "--password", kPassword});
  ASSERT_FALSE(locked.url().empty());
  std::string with_creds = locked.url();
  with_creds.insert(std::string("http://").size(), std::string(kUser) + ":" + kPassword + "@");
  EXPECT_NE(Shell("git ls-remote " + with_creds + "repo.git").find("refs/heads/feature"),
            std::string::npos);
  std::string cmd = "GIT_TERMINAL_PROMPT=0 git ls-remote " + locked.url() + "repo.git 2>/dev/null";
  EXPECT_NE(std::system(cmd.c_str()), 0);
}

// SSH against a real sshd on loopback (skipped where openssh-server is not
// installed): the key is handed over from memory and the host key checked
// against the Secret's known_hosts.
class GitSshTest : public GitResolveTest {
 protected:
  void SetUp() override {
    if (!fs::exists("/usr/sbin/sshd")) GTEST_SKIP() << "openssh-server is not installed";
    GitResolveTest::SetUp();
    if (HasFatalFailure()) return;
    if (geteuid() == 0) fs::create_directories("/run/sshd");  // sshd's privilege separation.
    fs::path ssh = dir_ / "ssh";
    fs::create_directories(ssh);
    for (const char* name : {"host", "other_host", "user", "stranger"}) {
      Shell("ssh-keygen -q -t ed25519 -N '' -C test -f " + (ssh / name).string());
    }
    fs::copy_file(ssh / "user.pub", ssh / "authorized_keys");
    fs::permissions(ssh / "authorized_keys", fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(ssh / "sshd_config")
        << "ListenAddress 127.0.0.1\nHostKey " << (ssh / "host").string() << "\nAuthorizedKeysFile "
        << (ssh / "authorized_keys").string()
        << "\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
           "StrictModes no\nPermitRootLogin prohibit-password\nPidFile none\n";
    port_ = ClosedPort();
    sshd_ = fork();
    if (sshd_ == 0) {
      std::string log = (ssh / "sshd.log").string();
      freopen(log.c_str(), "w", stderr);
      std::string config = (ssh / "sshd_config").string(), port = std::to_string(port_);
      execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", config.c_str(), "-p",
            port.c_str(), nullptr);
      _exit(127);
    }
    // Ready once it accepts a connection and greets with its banner.
    auto deadline = steady_clock::now() + seconds(15);
    bool ready = false;
    while (!ready && steady_clock::now() < deadline) {
      int s = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(port_));
      char banner[4] = {};
      pollfd p{s, POLLIN, 0};
      ready = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
              poll(&p, 1, 1000) == 1 && read(s, banner, 4) == 4 && std::string(banner, 4) == "SSH-";
      close(s);
      if (!ready) poll(nullptr, 0, 50);
    }
    ASSERT_TRUE(ready) << "sshd did not start; see " << (ssh / "sshd.log");
    creds_.ssh_private_key = ReadAll(ssh / "user");
    creds_.ssh_known_hosts = KnownHostsLine(ssh / "host.pub");
    ssh_url_ = "ssh://" + std::string(getpwuid(getuid())->pw_name) +
               "@127.0.0.1:" + std::to_string(port_) + (dir_ / "root/repo.git").string();
    setenv("HOME", dir_.c_str(), 1);  // libgit2's fallback known_hosts: none.
  }
  void TearDown() override {
    if (sshd_ > 0) {
      kill(sshd_, SIGTERM);
      waitpid(sshd_, nullptr, 0);
    }
    GitResolveTest::TearDown();
  }
  static std::string ReadAll(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string KnownHostsLine(const fs::path& pub) {
    std::istringstream in(ReadAll(pub));
    std::string type, key;
    in >> type >> key;
    return "[127.0.0.1]:" + std::to_string(port_) + " " + type + " " + key + "\n";
  }

  int port_ = 0;
  pid_t sshd_ = -1;
  GitCredentials creds_;
  std::string ssh_url_;
};

TEST_F(GitSshTest, KeyFromMemoryResolvesMain) {
  Result<ResolvedRevision> r = ResolveRevision(ssh_url_, "main", creds_, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, RevParse("main"));
}

TEST_F(GitSshTest, AnnotatedTagIsPeeledOverSsh) {
  Result<ResolvedRevision> r = ResolveRevision(ssh_url_, "v1.0", creds_, seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->commit, RevParse("v1.0^{commit}"));
}

TEST_F(GitSshTest, MismatchedHostKeyIsRefused) {
  creds_.ssh_known_hosts = KnownHostsLine(dir_ / "ssh/other_host.pub");
  Result<ResolvedRevision> r = ResolveRevision(ssh_url_, "main", creds_, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("does not match known_hosts"), std::string::npos)
      << r.status().message();
}

TEST_F(GitSshTest, UnlistedHostIsRefused) {
  std::string line = KnownHostsLine(dir_ / "ssh/host.pub");
  creds_.ssh_known_hosts =
      "git.example.com" + line.substr(line.find(' '));  // Right key, other host.
  Result<ResolvedRevision> r = ResolveRevision(ssh_url_, "main", creds_, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("not listed in known_hosts"), std::string::npos)
      << r.status().message();
}

TEST_F(GitSshTest, WithoutKnownHostsAnUnknownHostIsRefused) {
  creds_.ssh_known_hosts.clear();
  Result<ResolvedRevision> r = ResolveRevision(ssh_url_, "main", creds_, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("give known_hosts in the Secret"), std::string::npos)
      << r.status().message();
}

TEST_F(GitSshTest, UnauthorisedKeyIsUnauthenticatedWithoutTheKey) {
  creds_.ssh_private_key = ReadAll(dir_ / "ssh/stranger");
  Result<ResolvedRevision> r = ResolveRevision(ssh_url_, "main", creds_, seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << r.status().ToString();
  EXPECT_EQ(r.status().message(), "credentials rejected by " + ssh_url_);
  EXPECT_EQ(r.status().message().find("PRIVATE KEY"), std::string::npos);
}

}  // namespace
}  // namespace runledger::source
