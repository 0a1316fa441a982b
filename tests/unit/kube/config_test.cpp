#include "kube/config.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "base/file.h"

namespace runledger::kube {
namespace {

const std::string kData = RUNLEDGER_TESTDATA;

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(n);
  return out;
}

std::string File(const std::string& name) { return *ReadFile(kData + "/" + name); }

// A kubeconfig with one cluster, and `user` as the YAML body of its user.
std::string Kubeconfig(const std::string& cluster, const std::string& user,
                       const std::string& extra_context = "") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: main\n"
         "clusters:\n- name: c1\n  cluster:\n" +
         cluster + "contexts:\n- name: main\n  context: {cluster: c1, user: u1" + extra_context +
         "}\n"
         "- name: other\n  context: {cluster: c1, user: u1, namespace: team-b}\n"
         "users:\n- name: u1\n  user:\n" +
         user;
}

const std::string kCluster =
    "    server: https://127.0.0.1:6443/\n    certificate-authority: ca.crt\n";

TEST(KubeconfigTest, ClientCertificateFilesResolveAgainstTheKubeconfigDirectory) {
  auto c = ParseKubeconfig(
      Kubeconfig(kCluster, "    client-certificate: client.crt\n    client-key: client.key\n"),
      kData, "test");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");  // Trailing slash dropped.
  EXPECT_EQ(c->ca_pem, File("ca.crt"));
  EXPECT_EQ(c->client_cert_pem, File("client.crt"));
  EXPECT_EQ(c->client_key_pem, File("client.key"));
  EXPECT_EQ(c->ns, "default");
}

TEST(KubeconfigTest, InlineDataIsBase64Decoded) {
  auto c =
      ParseKubeconfig(Kubeconfig("    server: https://k:6443\n    certificate-authority-data: " +
                                     Base64(File("ca.crt")) + "\n",
                                 "    client-certificate-data: " + Base64(File("client.crt")) +
                                     "\n    client-key-data: " + Base64(File("client.key")) + "\n"),
                      "", "test");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ca_pem, File("ca.crt"));
  EXPECT_EQ(c->client_key_pem, File("client.key"));
}

TEST(KubeconfigTest, InlineBearerTokenIsKept) {
  auto c = ParseKubeconfig(Kubeconfig(kCluster, "    token: abc.def\n"), kData, "test");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->token, "abc.def");
  EXPECT_TRUE(c->client_cert_pem.empty());
}

TEST(KubeconfigTest, TokenFileIsRememberedAndMustExist) {
  auto c = ParseKubeconfig(Kubeconfig(kCluster, "    tokenFile: ca.crt\n"), kData, "test");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->token_file, kData + "/ca.crt");
  auto missing = ParseKubeconfig(Kubeconfig(kCluster, "    tokenFile: nope\n"), kData, "test");
  EXPECT_EQ(missing.status().code(), Code::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("users[u1].user.tokenFile"), std::string::npos)
      << missing.status().message();
}

TEST(KubeconfigTest, InsecureSkipTlsVerifyIsHonoured) {
  auto c =
      ParseKubeconfig(Kubeconfig("    server: https://k:6443\n    insecure-skip-tls-verify: true\n",
                                 "    token: t\n"),
                      "", "test");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->insecure_skip_tls_verify);
}

TEST(KubeconfigTest, TlsServerNameIsReadSoThatTheClientCanRefuseIt) {
  auto c = ParseKubeconfig(
      Kubeconfig(kCluster + "    tls-server-name: kubernetes.default\n", "    token: t\n"), kData,
      "test");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->tls_server_name, "kubernetes.default");
}

TEST(KubeconfigTest, NamedContextAndItsNamespace) {
  auto c = ParseKubeconfig(Kubeconfig(kCluster, "    token: t\n"), kData, "test", "other");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ns, "team-b");
  EXPECT_NE(c->source.find("context other"), std::string::npos);
}

TEST(KubeconfigTest, UnknownContextIsNamed) {
  auto c = ParseKubeconfig(Kubeconfig(kCluster, "    token: t\n"), kData, "cfg.yaml", "nope");
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "cfg.yaml: contexts: no context named \"nope\"");
}

TEST(KubeconfigTest, MissingCertificateAuthorityFileNamesFieldAndFile) {
  auto c = ParseKubeconfig(
      Kubeconfig("    server: https://k:6443\n    certificate-authority: /no/such/ca.crt\n", ""),
      "", "cfg.yaml");
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("clusters[c1].cluster.certificate-authority"),
            std::string::npos);
  EXPECT_NE(c.status().message().find("/no/such/ca.crt"), std::string::npos);
}

TEST(KubeconfigTest, BadBase64NamesTheDataField) {
  auto c = ParseKubeconfig(Kubeconfig(kCluster,
                                      "    client-certificate-data: '!!!'\n"
                                      "    client-key-data: '!!!'\n"),
                           kData, "cfg.yaml");
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("client-certificate-data"), std::string::npos)
      << c.status().message();
}

TEST(KubeconfigTest, Base64PaddingOnlyAtTheEnd) {
  auto data = [](const std::string& b64) {
    return ParseKubeconfig(
        Kubeconfig("    server: https://k:6443\n    certificate-authority-data: " + b64 + "\n", ""),
        "", "x");
  };
  EXPECT_EQ(data("QUI=")->ca_pem, "AB");   // One pad.
  EXPECT_EQ(data("QQ==")->ca_pem, "A");    // Two pads.
  EXPECT_EQ(data("QUJD")->ca_pem, "ABC");  // None.
  auto bad = data("QQ==QUFB");             // '=' inside the text is not base64.
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("certificate-authority-data"), std::string::npos);
}

TEST(KubeconfigTest, UnexpectedShapesAreErrorsNotExceptions) {
  for (const std::string text : {
           "current-context: a\ncontexts: [foo]\n",
           "current-context: a\ncontexts:\n- name: {x: y}\n",
           "current-context: a\ncontexts:\n- {name: a, context: {cluster: c}}\nclusters:\n- {name: "
           "c, cluster: oops}\n",
           "current-context: a\ncontexts:\n- {name: a, context: {cluster: c, user: "
           "u}}\nclusters:\n- {name: c, cluster: {server: 'https://k'}}\nusers: [u]\n",
       }) {
    auto c = ParseKubeconfig(text, "", "x");
    EXPECT_EQ(c.status().code(), Code::kInvalidArgument) << text;
  }
}

TEST(KubeconfigTest, CertificateWithoutKeyIsRefused) {
  auto c =
      ParseKubeconfig(Kubeconfig(kCluster, "    client-certificate: client.crt\n"), kData, "x");
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("must be given together"), std::string::npos);
}

TEST(KubeconfigTest, ExecPluginsAreRefusedClearly) {
  auto c = ParseKubeconfig(Kubeconfig(kCluster, "    exec: {command: aws}\n"), kData, "x");
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("not supported"), std::string::npos);
}

TEST(KubeconfigTest, ServerWithoutSchemeIsRefused) {
  auto c = ParseKubeconfig(Kubeconfig("    server: 127.0.0.1:6443\n", "    token: t\n"), "", "x");
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("must start with https://"), std::string::npos);
}

TEST(KubeconfigTest, UnbalancedBracesAreRefused) {
  EXPECT_EQ(ParseKubeconfig("{{{", "", "x").status().code(), Code::kInvalidArgument);
}

TEST(KubeconfigTest, TopLevelSequenceIsRefused) {
  EXPECT_EQ(ParseKubeconfig("- a\n- b\n", "", "x").status().code(), Code::kInvalidArgument);
}

TEST(KubeconfigTest, MissingFileIsNotFoundNamingIt) {
  auto c = LoadKubeconfig("/no/such/kubeconfig");
  EXPECT_EQ(c.status().code(), Code::kNotFound);
  EXPECT_NE(c.status().message().find("/no/such/kubeconfig"), std::string::npos);
}

class InClusterConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("runledger-sa-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(InClusterConfigTest, ReadsTokenCaAndNamespace) {
  Write("token", "tok\n");
  Write("ca.crt", File("ca.crt"));
  Write("namespace", "runledger-system\n");
  auto c = LoadInCluster(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->token_file, (dir_ / "token").string());
  EXPECT_EQ(c->ca_pem, File("ca.crt"));
  EXPECT_EQ(c->ns, "runledger-system");
}

TEST_F(InClusterConfigTest, MissingTokenIsNotFoundNamingTheFile) {
  Write("ca.crt", File("ca.crt"));
  auto c = LoadInCluster(dir_.string());
  EXPECT_EQ(c.status().code(), Code::kNotFound);
  EXPECT_NE(c.status().message().find("token"), std::string::npos);
}

TEST_F(InClusterConfigTest, OutsideAPodIsAFailedPrecondition) {
  unsetenv("KUBERNETES_SERVICE_HOST");
  EXPECT_EQ(LoadInCluster(dir_.string()).status().code(), Code::kFailedPrecondition);
}

TEST_F(InClusterConfigTest, NamespaceFileIsTrimmedOfSpaceAndNewlines) {
  Write("token", "tok\n");
  Write("ca.crt", File("ca.crt"));
  Write("namespace", "  team-a \r\n");
  auto c = LoadInCluster(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ns, "team-a");
}

TEST_F(InClusterConfigTest, WhitespaceOnlyTokenIsRefused) {
  Write("token", " \n\t\n");
  Write("ca.crt", File("ca.crt"));
  auto c = LoadInCluster(dir_.string());
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("is empty"), std::string::npos) << c.status().message();
}

}  // namespace
}  // namespace runledger::kube
