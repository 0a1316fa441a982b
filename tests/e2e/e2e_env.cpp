#include "e2e_env.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "base/strings.h"

namespace runledger::e2e {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

CommandResult Run(const std::vector<std::string>& argv, const std::string& input) {
  // Files, not pipes: no risk of a full pipe blocking the child.
  char dir_template[] = "/tmp/runledger-e2e-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string in_path = dir + "/in", out_path = dir + "/out", err_path = dir + "/err";
  std::ofstream(in_path) << input;
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  CommandResult r;
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out_path);
  r.err = Slurp(err_path);
  std::filesystem::remove_all(dir);
  return r;
}

std::string SourceDir() { return RUNLEDGER_SOURCE_DIR; }

CommandResult Kubectl(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv = {SourceDir() + "/e2e/cluster", "kubectl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, input);
}

const kube::Config& ClusterConfig() {
  static const kube::Config config = [] {
    std::string path;
    if (const char* env = std::getenv("RUNLEDGER_KUBECONFIG")) {
      path = env;
    } else {
      path = std::string(TrimSpace(Run({SourceDir() + "/e2e/cluster", "kubeconfig"}).out));
    }
    auto c = kube::LoadKubeconfig(path);
    if (!c.ok()) {
      std::fprintf(stderr, "no cluster (run `e2e/cluster up`): %s\n",
                   c.status().ToString().c_str());
      std::abort();
    }
    return *c;
  }();
  return config;
}

std::unique_ptr<kube::Client> NewClient() {
  kube::Client::Options o;
  o.qps = 100;
  o.burst = 200;
  o.field_manager = "runledger-e2e";
  auto c = kube::Client::Create(ClusterConfig(), o);
  if (!c.ok()) {
    ADD_FAILURE() << c.status().ToString();
    return nullptr;
  }
  return std::move(c).value();
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void NamespacedTest::SetUp() {
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '-';
  });
  name = name.substr(0, 40);
  std::random_device rd;
  ns_ = "e2e-" + name + "-" + std::to_string(rd() % 100000);
  auto created =
      client_->Create(kube::resources::kNamespaces, "",
                      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  // Pods need the namespace's default service account; controller-manager makes it.
  ASSERT_TRUE(Eventually([&] {
    return client_->Get({"", "v1", "serviceaccounts", true}, ns_, "default").ok();
  })) << "no default service account in "
      << ns_;
}

void NamespacedTest::TearDown() {
  if (client_ && !ns_.empty()) {
    kube::IgnoreNotFound(client_->Delete(kube::resources::kNamespaces, "", ns_)).IgnoreError();
  }
}

}  // namespace runledger::e2e
