// The Helm chart (charts/runledger) as a platform team installs it: linted
// by the pinned helm, rendered, every object accepted by the real API server
// (server-side dry run, strict field validation), and the operator started
// from the config file the chart renders, under the chart's RBAC (which
// e2e/operator renders with the same helm for every operator test).
//
// No image can run here (kwok's nodes run nothing, and the host node runs
// this checkout's binaries), so the Deployment's pod itself is not started:
// what it would run — the rendered config, the ServiceAccount's rules — is.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>

#include "kube/json_fields.h"
#include "operator_fixture.h"

namespace runledger::e2e {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const std::string kRelease = "runledger";

class ChartTest : public OperatorTest {
 protected:
  static std::string Chart() { return SourceDir() + "/charts/runledger"; }

  // The pinned helm, built by e2e/setup beside the control plane.
  static CommandResult Helm(const std::vector<std::string>& args) {
    static const std::string bin =
        Trimmed(e2e::Run({SourceDir() + "/e2e/tools/build.sh", "--check"}).out) + "/helm";
    std::vector<std::string> argv = {bin};
    argv.insert(argv.end(), args.begin(), args.end());
    return e2e::Run(argv);
  }

  // `helm template` of the chart into `ns` with `values` (--set KEY=VALUE
  // each) and the CRDs; a test failure if helm refuses.
  static std::string Render(const std::string& ns, const std::vector<std::string>& values = {}) {
    std::vector<std::string> args = {"template",    kRelease, Chart(),
                                     "--namespace", ns,       "--include-crds"};
    for (const auto& v : values) {
      args.push_back("--set");
      args.push_back(v);
    }
    CommandResult r = Helm(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  // The rendered object of `kind` named `name`; a null node if none.
  static YAML::Node Find(const std::string& rendered, const std::string& kind,
                         const std::string& name) {
    for (const YAML::Node& doc : YAML::LoadAll(rendered)) {
      if (doc && doc["kind"] && doc["kind"].as<std::string>() == kind &&
          doc["metadata"]["name"].as<std::string>() == name) {
        return doc;
      }
    }
    return YAML::Node();
  }

  static YAML::Node OperatorConfig(const std::string& rendered) {
    YAML::Node map = Find(rendered, "ConfigMap", "runledger-operator");
    if (!map) return map;
    return YAML::Load(map["data"]["config.yaml"].as<std::string>());
  }

  // Server-side dry run of `rendered`: every object checked by the API
  // server's validation and admission, nothing stored.
  void ExpectAccepted(const std::string& rendered, const std::string& what) {
    CommandResult r =
        Kubectl({"apply", "--dry-run=server", "--validate=strict", "-f", "-"}, rendered);
    EXPECT_EQ(r.exit_code, 0) << what << ":\n" << r.err << r.out;
  }
};

TEST_F(ChartTest, LintsCleanWithStrictChecks) {
  CommandResult r = Helm({"lint", "--strict", Chart()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// values.schema.json: a misspelt or ill-typed value stops helm before
// anything reaches the cluster, and the message names it.
TEST_F(ChartTest, BadValuesAreRefusedNamingTheValue) {
  for (const auto& [value, named] : std::vector<std::pair<std::string, std::string>>{
           {"persistance.enabled=false", "'persistance'"},
           {"service.trackingPort=0", "/service/trackingPort"},
           {"image.digest=latest", "/image/digest"},
           {"image.pullPolicy=Sometimes", "/image/pullPolicy"},
           {"podLabels.canary=true", "/podLabels/canary"}}) {
    CommandResult r = Helm({"template", kRelease, Chart(), "--set", value});
    EXPECT_NE(r.exit_code, 0) << value;
    EXPECT_NE(r.err.find(named), std::string::npos) << value << ": " << r.err;
  }
}

TEST_F(ChartTest, TheApiServerAcceptsEveryRenderedObject) {
  const std::string rendered = Render(ns_);
  for (const auto& [kind, name] : std::vector<std::pair<std::string, std::string>>{
           {"CustomResourceDefinition", "trainingruns.runledger.dev"},
           {"CustomResourceDefinition", "experiments.runledger.dev"},
           {"CustomResourceDefinition", "retentionpolicies.runledger.dev"},
           {"ServiceAccount", "runledger-operator"},
           {"ClusterRole", "runledger-operator"},
           {"ClusterRole", "runledger-user"},
           {"ConfigMap", "runledger-operator"},
           {"PersistentVolumeClaim", "runledger-operator-state"},
           {"Service", "runledger"},
           {"Deployment", "runledger-operator"}}) {
    EXPECT_TRUE(Find(rendered, kind, name)) << kind << " " << name << " not rendered";
  }
  ExpectAccepted(rendered, "defaults");
  ExpectAccepted(
      Render(ns_, {"persistence.enabled=false", "image.digest=sha256:" + std::string(64, 'a')}),
      "without persistence, by digest");
  ExpectAccepted(Render(ns_, {"persistence.existingClaim=mine", "config.namespaces={team-a,team-b}",
                              "config.store.objects=s3://bucket/runledger",
                              "config.store.s3.credentialsSecret=" + ns_ + "/s3"}),
                 "an existing claim, two namespaces, S3");
}

TEST_F(ChartTest, ValuesReachTheOperatorsConfigAndThePod) {
  const std::string digest = "sha256:" + std::string(64, 'b');
  const std::string rendered =
      Render("tracking", {"image.digest=" + digest, "global.imageRegistry=example.com",
                          "config.namespaces={team-a,team-b}", "config.log.level=debug",
                          "service.trackingPort=5555", "persistence.enabled=false"});
  YAML::Node config = OperatorConfig(rendered);
  ASSERT_TRUE(config) << rendered;
  EXPECT_EQ(config["namespaces"][1].as<std::string>(), "team-b");
  EXPECT_EQ(config["log"]["level"].as<std::string>(), "debug");
  EXPECT_EQ(config["log"]["format"].as<std::string>(), "json");  // The default kept beside it.
  EXPECT_EQ(config["leaderElection"]["namespace"].as<std::string>(), "tracking");
  EXPECT_EQ(config["trackingUri"].as<std::string>(), "http://runledger.tracking.svc:5555");
  const std::string image = "ghcr.io/runledger/runledger-operator@" + digest;
  EXPECT_EQ(config["capture"]["image"].as<std::string>(), image);

  YAML::Node deployment = Find(rendered, "Deployment", "runledger-operator");
  ASSERT_TRUE(deployment);
  YAML::Node pod = deployment["spec"]["template"]["spec"];
  EXPECT_EQ(pod["containers"][0]["image"].as<std::string>(), image);
  EXPECT_EQ(pod["serviceAccountName"].as<std::string>(), "runledger-operator");
  EXPECT_TRUE(pod["volumes"][1]["emptyDir"]) << "state without persistence";
  EXPECT_TRUE(pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  // The config's checksum rolls the pod when, and only when, the config changes.
  auto checksum = [&](const std::vector<std::string>& values) {
    YAML::Node d = Find(Render("tracking", values), "Deployment", "runledger-operator");
    return d["spec"]["template"]["metadata"]["annotations"]["checksum/config"].as<std::string>();
  };
  EXPECT_NE(checksum({"config.log.level=warn"}), checksum({"config.log.level=error"}));
  EXPECT_EQ(checksum({"config.log.level=warn"}),
            checksum({"config.log.level=warn", "resources.limits.memory=4Gi"}));

  YAML::Node service = Find(rendered, "Service", "runledger");
  ASSERT_TRUE(service);
  EXPECT_EQ(service["spec"]["ports"][0]["port"].as<int>(), 5555);
}

// The operator started from the chart's config file launches a run with
// the chart's capture image, and resolves a host name in the tracking URI to
// the numeric address capture needs. e2e/operator replaces the addresses,
// the store's paths, the scope and the log format, as it does for every
// test; the Service name in the chart's trackingUri has no DNS here, so a
// name that resolves locally stands in for it.
TEST_F(ChartTest, OperatorRunsFromTheRenderedConfig) {
  YAML::Node config = OperatorConfig(Render("runledger-system"));
  ASSERT_TRUE(config);
  const std::string file = ::testing::TempDir() + "/chart-config-" + ns_ + ".yaml";
  std::ofstream(file) << YAML::Dump(config);

  StartOperator(ns_, {}, {"--config", file, "--tracking-uri", "http://localhost:5000/"});
  ApplyExperiment();
  Apply(RunYaml("r1"));
  ASSERT_TRUE(Eventually([&] { return !Get(kube::resources::kJobs, "r1").is_null(); }, seconds(60)))
      << OperatorLogTail(ns_);

  json pod = Get(kube::resources::kJobs, "r1")["spec"]["template"]["spec"];
  const std::string version =
      YAML::LoadFile(Chart() + "/Chart.yaml")["appVersion"].as<std::string>();
  EXPECT_EQ(pod["initContainers"][0]["image"], "ghcr.io/runledger/runledger-operator:" + version);
  std::string uri;
  for (const json& e : pod["containers"][0]["env"]) {
    if (e["name"] == "MLFLOW_TRACKING_URI") uri = e["value"];
  }
  EXPECT_TRUE(uri == "http://127.0.0.1:5000/" || uri == "http://[::1]:5000/") << uri;
}

}  // namespace
}  // namespace runledger::e2e
