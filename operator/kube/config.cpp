#include "kube/config.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"
#include "kube/secret_data.h"

namespace runledger::kube {
namespace {

namespace fs = std::filesystem;

Status ConfigError(const std::string& source, const std::string& what) {
  return InvalidArgument(source + ": " + what);
}

// Finds the entry named `name` in a kubeconfig list such as `clusters`.
YAML::Node FindNamed(const YAML::Node& list, const std::string& name) {
  if (!list || !list.IsSequence()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry : list) {
    if (entry["name"] && entry["name"].as<std::string>() == name) return entry;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string Scalar(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute() || base_dir.empty()) return path;
  return (fs::path(base_dir) / path).string();
}

// Fills `out` from either `<key>-data` (base64) or the file named by `<key>`.
Status ReadDataOrFile(const YAML::Node& node, const std::string& key, const std::string& field,
                      const std::string& base_dir, const std::string& source, std::string* out) {
  const std::string data = Scalar(node, (key + "-data").c_str());
  if (!data.empty()) {
    auto decoded = DecodeBase64(data);
    if (!decoded.ok()) {
      return ConfigError(source, field + "-data: " + decoded.status().message());
    }
    *out = std::move(decoded).value();
    return Status();
  }
  const std::string path = Scalar(node, key.c_str());
  if (path.empty()) return Status();
  auto text = ReadFile(Resolve(base_dir, path));
  if (!text.ok()) return ConfigError(source, field + ": " + text.status().message());
  *out = std::move(text).value();
  return Status();
}

bool TruthyScalar(const YAML::Node& node, const char* key) {
  const std::string v = Scalar(node, key);
  return v == "true" || v == "True" || v == "TRUE";
}

Status ValidateServer(const Config& c) {
  if (c.server.empty()) return ConfigError(c.source, "server is empty");
  if (c.server.rfind("https://", 0) != 0 && c.server.rfind("http://", 0) != 0) {
    return ConfigError(c.source, "server \"" + c.server + "\" must start with https:// or http://");
  }
  return Status();
}

// ParseKubeconfig's work; yaml-cpp throws on shapes it did not expect (a
// scalar where a mapping should be), which the caller turns into an error.
Result<Config> ParseKubeconfigOrThrow(const std::string& yaml, const std::string& base_dir,
                                      const std::string& source, const std::string& context) {
  const YAML::Node root = YAML::Load(yaml);
  if (!root.IsMap()) return ConfigError(source, "not a kubeconfig (expected a mapping)");

  std::string context_name = context.empty() ? Scalar(root, "current-context") : context;
  if (context_name.empty()) {
    return ConfigError(source, "current-context is not set and no context was given");
  }
  const YAML::Node ctx_entry = FindNamed(root["contexts"], context_name);
  if (!ctx_entry) return ConfigError(source, "contexts: no context named \"" + context_name + "\"");
  const YAML::Node ctx = ctx_entry["context"];
  if (!ctx || !ctx.IsMap()) {
    return ConfigError(source, "contexts[" + context_name + "].context is missing");
  }

  Config c;
  c.source = source + " (context " + context_name + ")";
  const std::string cluster_name = Scalar(ctx, "cluster");
  const YAML::Node cluster_entry = FindNamed(root["clusters"], cluster_name);
  if (!cluster_entry || !cluster_entry["cluster"]) {
    return ConfigError(source, "clusters: no cluster named \"" + cluster_name +
                                   "\" (used by context \"" + context_name + "\")");
  }
  const YAML::Node cluster = cluster_entry["cluster"];
  if (!cluster.IsMap()) {
    return ConfigError(source, "clusters[" + cluster_name + "].cluster is not a mapping");
  }
  c.server = Scalar(cluster, "server");
  while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
  const std::string cluster_field = "clusters[" + cluster_name + "].cluster";
  RETURN_IF_ERROR(ValidateServer(c).WithContext(cluster_field));
  c.insecure_skip_tls_verify = TruthyScalar(cluster, "insecure-skip-tls-verify");
  c.tls_server_name = Scalar(cluster, "tls-server-name");
  RETURN_IF_ERROR(ReadDataOrFile(cluster, "certificate-authority",
                                 cluster_field + ".certificate-authority", base_dir, source,
                                 &c.ca_pem));

  const std::string user_name = Scalar(ctx, "user");
  if (!user_name.empty()) {
    const YAML::Node user_entry = FindNamed(root["users"], user_name);
    if (!user_entry) {
      return ConfigError(source, "users: no user named \"" + user_name + "\" (used by context \"" +
                                     context_name + "\")");
    }
    const YAML::Node user = user_entry["user"];
    const std::string user_field = "users[" + user_name + "].user";
    if (user && user.IsMap()) {
      if (user["exec"] || user["auth-provider"]) {
        return ConfigError(source, user_field +
                                       ": exec and auth-provider credential plugins are not "
                                       "supported; use a token, tokenFile or client certificate");
      }
      if (user["username"] || user["password"]) {
        return ConfigError(source, user_field +
                                       ": basic authentication (username/password) is not "
                                       "supported; use a token or client certificate");
      }
      RETURN_IF_ERROR(ReadDataOrFile(user, "client-certificate", user_field + ".client-certificate",
                                     base_dir, source, &c.client_cert_pem));
      RETURN_IF_ERROR(ReadDataOrFile(user, "client-key", user_field + ".client-key", base_dir,
                                     source, &c.client_key_pem));
      if (c.client_cert_pem.empty() != c.client_key_pem.empty()) {
        return ConfigError(
            source, user_field + ": client-certificate and client-key must be given together");
      }
      c.token = Scalar(user, "token");
      c.token_file = Resolve(base_dir, Scalar(user, "tokenFile"));
      if (c.token.empty() && !c.token_file.empty()) {
        auto token = ReadFile(c.token_file);
        if (!token.ok()) {
          return ConfigError(source, user_field + ".tokenFile: " + token.status().message());
        }
      }
    }
  }
  const std::string ns = Scalar(ctx, "namespace");
  if (!ns.empty()) c.ns = ns;
  if (c.insecure_skip_tls_verify) {
    spdlog::warn("kube: {} sets insecure-skip-tls-verify: the API server's identity is not checked",
                 c.source);
  }
  return c;
}

}  // namespace

Result<Config> ParseKubeconfig(const std::string& yaml, const std::string& base_dir,
                               const std::string& source, const std::string& context) {
  try {
    return ParseKubeconfigOrThrow(yaml, base_dir, source, context);
  } catch (const YAML::Exception& e) {
    return ConfigError(source, std::string("malformed kubeconfig: ") + e.what());
  }
}

Result<Config> LoadKubeconfig(const std::string& path, const std::string& context) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseKubeconfig(text, fs::path(path).parent_path().string(), path, context);
}

Result<Config> LoadInCluster(const std::string& dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0') {
    return FailedPrecondition(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set "
        "(not running in a pod?)");
  }
  Config c;
  c.source = "in-cluster service account " + dir;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6 literal.
  c.server = "https://" + h + ":" + port;
  c.token_file = dir + "/token";
  ASSIGN_OR_RETURN(std::string token, ReadFile(c.token_file));
  if (TrimSpace(token).empty()) {
    return InvalidArgument(c.source + ": " + c.token_file + " is empty");
  }
  ASSIGN_OR_RETURN(c.ca_pem, ReadFile(dir + "/ca.crt"));
  if (auto ns = ReadFile(dir + "/namespace"); ns.ok()) {
    if (const std::string_view v = TrimSpace(*ns); !v.empty()) c.ns = v;
  }
  return c;
}

Result<Config> LoadDefault(const std::string& context) {
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    std::stringstream paths(env);
    std::string path;
    while (std::getline(paths, path, ':')) {
      if (!path.empty() && fs::exists(path)) return LoadKubeconfig(path, context);
    }
    return NotFound(std::string("KUBECONFIG=") + env + ": none of its files exist");
  }
  if (std::getenv("KUBERNETES_SERVICE_HOST") != nullptr) return LoadInCluster();
  const char* home = std::getenv("HOME");
  const std::string path = std::string(home ? home : "") + "/.kube/config";
  if (!fs::exists(path)) {
    return NotFound("no kubeconfig: set KUBECONFIG, run in a pod, or create " + path);
  }
  return LoadKubeconfig(path, context);
}

}  // namespace runledger::kube
