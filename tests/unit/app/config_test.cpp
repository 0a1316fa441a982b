// The operator's configuration: YAML file, flags over it, and errors that
// name the key (and line) or flag at fault.
#include "app/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace runledger::app {
namespace {

Result<OperatorConfig> Flags(std::vector<const char*> args) {
  args.insert(args.begin(), "runledger-operator");
  return ParseCommandLine(static_cast<int>(args.size()), args.data());
}

Result<OperatorConfig> Yaml(const std::string& text) {
  OperatorConfig config;
  Status s = ApplyConfigYaml(text, "config.yaml", config);
  if (!s.ok()) return s;
  return config;
}

TEST(ConfigTest, DefaultsWatchAllNamespacesWithLeaderElection) {
  auto c = Flags({});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->watch_namespaces.empty());
  EXPECT_TRUE(c->leader_elect);
  EXPECT_EQ(c->api_qps, 20);
}

TEST(ConfigTest, UnknownKeyNamesTheKeyAndItsLine) {
  auto c = Yaml("log:\n  level: debug\n  colour: red\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "config.yaml:3: log.colour: unknown key");
}

TEST(ConfigTest, IllTypedValueNamesTheKeyAndItsLine) {
  auto c = Yaml("api:\n  burst: 30\nworkers:\n  trainingRun: many\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("config.yaml:4: workers.trainingRun"), std::string::npos)
      << c.status().message();
}

TEST(ConfigTest, UnknownFlagIsNamed) {
  auto c = Flags({"--namespacs=ml"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("--namespacs"), std::string::npos);
}

TEST(ConfigTest, NamespacesFromAYamlList) {
  auto c = Yaml("namespaces: [team-a, team-b, team-a]\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->watch_namespaces, (std::vector<std::string>{"team-a", "team-b"}));
}

TEST(ConfigTest, NamespacesFlagIsCommaSeparatedAndNamespaceIsOne) {
  auto many = Flags({"--namespaces", "team-a, team-b"});
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->watch_namespaces, (std::vector<std::string>{"team-a", "team-b"}));
  auto one = Flags({"--namespace=ml"});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->watch_namespaces, std::vector<std::string>{"ml"});
  auto all = Flags({"--namespace="});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->watch_namespaces.empty());
}

TEST(ConfigTest, NamespaceThatIsNoDnsLabelIsRefused) {
  auto c = Flags({"--namespaces=team-a,Team_B"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("--namespaces: \"Team_B\""), std::string::npos)
      << c.status().message();
}

TEST(ConfigTest, FlagsOverrideTheFile) {
  char path[] = "/tmp/runledger-config-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text = "api:\n  qps: 50\n  burst: 60\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  auto c = Flags({"--config", path, "--kube-api-qps=70"});
  unlink(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->api_qps, 70);
  EXPECT_EQ(c->api_burst, 60);
}

}  // namespace
}  // namespace runledger::app
