// The kubelet stand-in (e2e/tools/kubelet, node runledger-host) through
// kubectl, as a user sees it: pods that select the host node and tolerate its
// taint really run on this machine, and their status, logs and deletion
// behave as on a kubelet. See docs/local-cluster.md.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "base/strings.h"
#include "e2e_env.h"

namespace runledger::e2e {
namespace {

using namespace std::chrono_literals;

constexpr auto kPodDeadline = 90s;  // The machine is shared and busy: generous, never a sleep.

// A pod for the host node: it selects the node's label and tolerates its
// taint. `body` is the rest of the spec (containers, volumes), indented by 2.
std::string HostPod(const std::string& name, const std::string& body) {
  return "apiVersion: v1\n"
         "kind: Pod\n"
         "metadata: {name: " +
         name +
         "}\n"
         "spec:\n"
         "  nodeSelector: {runledger.dev/node: host}\n"
         "  tolerations: [{key: runledger.dev/host, operator: Exists, effect: NoSchedule}]\n"
         "  restartPolicy: Never\n"
         "  terminationGracePeriodSeconds: 20\n" +
         body;
}

class KubeletTest : public NamespacedTest {
 protected:
  void Apply(const std::string& yaml) {
    auto r = Kubectl({"apply", "-n", ns_, "-f", "-"}, yaml);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string Get(const std::string& pod, const std::string& jsonpath) {
    return std::string(
        TrimSpace(Kubectl({"get", "pod", pod, "-n", ns_, "-o", "jsonpath=" + jsonpath}).out));
  }

  // Waits for the pod to reach `phase`; the failure message shows the pod.
  void WaitForPhase(const std::string& pod, const std::string& phase) {
    ASSERT_TRUE(Eventually([&] { return Get(pod, "{.status.phase}") == phase; }, kPodDeadline))
        << "pod " << pod << " never " << phase << ":\n"
        << Kubectl({"get", "pod", pod, "-n", ns_, "-o", "yaml"}).out;
  }

  std::string Logs(const std::string& pod, const std::string& container = "") {
    std::vector<std::string> args = {"logs", "-n", ns_, pod};
    if (!container.empty()) args.push_back("-c" + container);
    auto r = Kubectl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
};

// A host directory a pod can write to (a hostPath volume), removed after.
class HostDir {
 public:
  HostDir() {
    char tmpl[] = "/tmp/runledger-kubelet-e2e-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~HostDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Read(const std::string& file) const {
    std::ifstream in(path_ + "/" + file);
    std::stringstream ss;
    ss << in.rdbuf();
    return std::string(TrimSpace(ss.str()));
  }

 private:
  std::string path_;
};

TEST_F(KubeletTest, InitContainerWritesAnEmptyDirTheContainerReads) {
  Apply(HostPod("relay",
                "  volumes: [{name: scratch, emptyDir: {}}]\n"
                "  initContainers:\n"
                "  - name: fetch\n"
                "    image: debian:12\n"
                "    command: [sh, -c, 'echo written-by-init > /scratch/greeting']\n"
                "    volumeMounts: [{name: scratch, mountPath: /scratch}]\n"
                "  containers:\n"
                "  - name: main\n"
                "    image: debian:12\n"
                "    command: [sh, -c, 'cat /data/greeting']\n"
                "    volumeMounts: [{name: scratch, mountPath: /data}]\n"));
  WaitForPhase("relay", "Succeeded");
  EXPECT_EQ(Logs("relay", "main"), "written-by-init\n");
  EXPECT_EQ(Get("relay", "{.status.initContainerStatuses[0].state.terminated.reason}"),
            "Completed");
  EXPECT_EQ(Get("relay", "{.status.containerStatuses[0].state.terminated.exitCode}"), "0");
  // The mount points were made in the sandbox, not on the host.
  EXPECT_FALSE(std::filesystem::exists("/scratch"));
  EXPECT_FALSE(std::filesystem::exists("/data"));
}

TEST_F(KubeletTest, CommandArgsAndWorkingDirAreThoseOfTheSpec) {
  // /srv/job/run is on no host: it is made in the sandbox, as a runtime would.
  ASSERT_FALSE(std::filesystem::exists("/srv/job"));
  Apply(HostPod("cwd",
                "  containers:\n"
                "  - name: main\n"
                "    image: debian:12\n"
                "    workingDir: /srv/job/run\n"
                "    command: [sh, -c]\n"
                "    args: ['echo \"$0 $1 in $(pwd)\"', first, second]\n"));
  WaitForPhase("cwd", "Succeeded");
  EXPECT_EQ(Logs("cwd"), "first second in /srv/job/run\n");
  EXPECT_FALSE(std::filesystem::exists("/srv/job"));
}

TEST_F(KubeletTest, EnvValuesSecretKeysAndPodFieldsReachTheProcess) {
  auto secret = Kubectl(
      {"create", "secret", "generic", "creds", "-n", ns_, "--from-literal=token=s3cr3t-value"});
  ASSERT_EQ(secret.exit_code, 0) << secret.err;
  Apply(
      HostPod("env",
              "  containers:\n"
              "  - name: main\n"
              "    image: debian:12\n"
              "    command: [sh, -c, 'echo \"plain=$PLAIN secret=$TOKEN pod=$POD ref=$(PLAIN)\"']\n"
              "    env:\n"
              "    - {name: PLAIN, value: hello}\n"
              "    - name: TOKEN\n"
              "      valueFrom: {secretKeyRef: {name: creds, key: token}}\n"
              "    - name: POD\n"
              "      valueFrom: {fieldRef: {fieldPath: metadata.name}}\n"));
  WaitForPhase("env", "Succeeded");
  EXPECT_EQ(Logs("env"), "plain=hello secret=s3cr3t-value pod=env ref=hello\n");
}

TEST_F(KubeletTest, ExitCodeThreeFailsThePodWithReasonError) {
  Apply(HostPod("fails",
                "  containers:\n"
                "  - name: main\n"
                "    image: debian:12\n"
                "    command: [sh, -c, 'echo about to fail; exit 3']\n"));
  WaitForPhase("fails", "Failed");
  EXPECT_EQ(Get("fails", "{.status.containerStatuses[0].state.terminated.exitCode}"), "3");
  EXPECT_EQ(Get("fails", "{.status.containerStatuses[0].state.terminated.reason}"), "Error");
  EXPECT_FALSE(Get("fails", "{.status.containerStatuses[0].state.terminated.finishedAt}").empty());
  EXPECT_EQ(Logs("fails"), "about to fail\n");
}

TEST_F(KubeletTest, TerminationMessageIsReadFromItsPathAfterExit) {
  Apply(HostPod("message",
                "  containers:\n"
                "  - name: main\n"
                "    image: debian:12\n"
                "    terminationMessagePath: /run/result/summary\n"
                "    command: [sh, -c, 'printf %s \"{\\\"ok\\\":true}\" > "
                "/run/result/summary']\n"));
  WaitForPhase("message", "Succeeded");
  EXPECT_EQ(Get("message", "{.status.containerStatuses[0].state.terminated.message}"),
            "{\"ok\":true}");
}

TEST_F(KubeletTest, ServiceAccountTokenIsMounted) {
  Apply(HostPod("token",
                "  containers:\n"
                "  - name: main\n"
                "    image: debian:12\n"
                "    command: [sh, -c, 'd=/var/run/secrets/kubernetes.io/serviceaccount;"
                " cat $d/namespace; echo; test -s $d/token && test -s $d/ca.crt && "
                "echo token-present']\n"));
  WaitForPhase("token", "Succeeded");
  EXPECT_EQ(Logs("token"), ns_ + "\ntoken-present\n");
}

TEST_F(KubeletTest, LogsFollowStreamsUntilTheContainerEnds) {
  // The container writes its second line well after `logs -f` has started.
  Apply(HostPod("follow",
                "  containers:\n"
                "  - name: main\n"
                "    image: debian:12\n"
                "    command: [sh, -c, 'echo first; sleep 3; echo second']\n"));
  WaitForPhase("follow", "Running");
  auto r = Kubectl({"logs", "-f", "-n", ns_, "follow"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "first\nsecond\n");
}

TEST_F(KubeletTest, DeletedRunningPodHasItsProcessTerminated) {
  HostDir out;
  Apply(
      HostPod("victim", "  volumes: [{name: out, hostPath: {path: " + out.path() +
                            "}}]\n"
                            "  containers:\n"
                            "  - name: main\n"
                            "    image: debian:12\n"
                            "    command: [sh, -c, 'trap \"echo yes > /out/got-term; exit 0\" TERM;"
                            " echo $$$$ > /out/pid; while true; do sleep 0.2; done']\n"
                            "    volumeMounts: [{name: out, mountPath: /out}]\n"));
  WaitForPhase("victim", "Running");
  ASSERT_TRUE(Eventually([&] { return !out.Read("pid").empty(); }, kPodDeadline));
  const std::string proc = "/proc/" + out.Read("pid");
  ASSERT_TRUE(std::filesystem::exists(proc)) << "the pod's process is not on this host";

  auto del = Kubectl({"delete", "pod", "victim", "-n", ns_, "--wait=false"});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_TRUE(Eventually([&] { return !std::filesystem::exists(proc); }, kPodDeadline))
      << proc << " still runs after its pod was deleted";
  // SIGTERM first: the process had the chance to clean up.
  EXPECT_EQ(out.Read("got-term"), "yes");
  EXPECT_TRUE(Eventually(
      [&] {
        auto r = Kubectl({"get", "pod", "victim", "-n", ns_});
        return r.exit_code != 0 && r.err.find("NotFound") != std::string::npos;
      },
      kPodDeadline))
      << "the deleted pod stays in the API";
}

TEST_F(KubeletTest, ProcessIgnoringSigtermIsKilledAfterTheGracePeriod) {
  HostDir out;
  Apply(HostPod("stubborn", "  volumes: [{name: out, hostPath: {path: " + out.path() +
                                "}}]\n"
                                "  containers:\n"
                                "  - name: main\n"
                                "    image: debian:12\n"
                                "    command: [sh, -c, 'trap \"\" TERM; echo $$$$ > /out/pid;"
                                " while true; do sleep 0.2; done']\n"
                                "    volumeMounts: [{name: out, mountPath: /out}]\n"));
  WaitForPhase("stubborn", "Running");
  ASSERT_TRUE(Eventually([&] { return !out.Read("pid").empty(); }, kPodDeadline));
  const std::string proc = "/proc/" + out.Read("pid");
  ASSERT_TRUE(std::filesystem::exists(proc));

  const auto start = std::chrono::steady_clock::now();
  auto del = Kubectl({"delete", "pod", "stubborn", "-n", ns_, "--grace-period=2", "--wait=false"});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_TRUE(Eventually([&] { return !std::filesystem::exists(proc); }, kPodDeadline))
      << proc << " survived its grace period";
  // It ignored SIGTERM, so only SIGKILL at the end of the grace period ended it.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(KubeletTest, ImageIdIsTheDigestOfTheImageReference) {
  const std::string image = "registry.example.com/ml/trainer:v3";
  Apply(HostPod("digest",
                "  containers:\n"
                "  - name: main\n"
                "    image: " +
                    image +
                    "\n"
                    "    command: ['true']\n"));
  WaitForPhase("digest", "Succeeded");
  auto sum = e2e::Run({"sha256sum"}, image);
  ASSERT_EQ(sum.exit_code, 0);
  const std::string expected = "sha256:" + sum.out.substr(0, 64);
  EXPECT_EQ(Get("digest", "{.status.containerStatuses[0].imageID}"), expected);
  EXPECT_EQ(Get("digest", "{.status.containerStatuses[0].image}"), image);
}

TEST_F(KubeletTest, PodWithoutTheTolerationIsNotScheduledOnTheHost) {
  Apply(
      "apiVersion: v1\n"
      "kind: Pod\n"
      "metadata: {name: intolerant}\n"
      "spec:\n"
      "  nodeSelector: {runledger.dev/node: host}\n"
      "  containers: [{name: main, image: debian:12, command: ['true']}]\n");
  EXPECT_TRUE(Eventually(
      [&] {
        return Get("intolerant", "{.status.conditions[?(@.type==\"PodScheduled\")].reason}") ==
               "Unschedulable";
      },
      kPodDeadline))
      << Kubectl({"get", "pod", "intolerant", "-n", ns_, "-o", "yaml"}).out;
  EXPECT_EQ(Get("intolerant", "{.spec.nodeName}"), "");
}

}  // namespace
}  // namespace runledger::e2e
