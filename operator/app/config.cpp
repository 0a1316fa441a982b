#include "app/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>

#include "base/file.h"
#include "base/strings.h"
#include "store/s3/s3_location.h"

namespace runledger::app {
namespace {

// One setting: its flag name, its YAML path, and how to parse a text value.
struct Setting {
  std::string flag;
  std::string key;  // Dotted YAML path, e.g. "leaderElection.namespace".
  std::string help;
  std::function<Status(const std::string& value, OperatorConfig& c)> set;
  bool is_list = false;  // YAML sequence of strings (joined with '\n' for set).
};

Status ParseBool(const std::string& v, bool& out) {
  if (v == "true") return out = true, Status();
  if (v == "false") return out = false, Status();
  return InvalidArgument("want true or false, got \"" + v + "\"");
}

Status ParseInt(const std::string& v, int& out, int min, int max) {
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < min || n > max) {
    return InvalidArgument("want an integer from " + std::to_string(min) + " to " +
                           std::to_string(max) + ", got \"" + v + "\"");
  }
  out = n;
  return Status();
}

Status ParseDouble(const std::string& v, double& out) {
  try {
    size_t used = 0;
    out = std::stod(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
  } catch (const std::exception&) {
    return InvalidArgument("want a number, got \"" + v + "\"");
  }
  return Status();
}

// A list of namespace names separated by commas or newlines (a YAML list
// arrives joined by newlines); each must be a DNS label, as Kubernetes
// requires. Duplicates are dropped.
Status ParseNamespaces(const std::string& v, std::vector<std::string>& out) {
  out.clear();
  size_t start = 0;
  while (start <= v.size()) {
    const size_t end = v.find_first_of(",\n", start);
    std::string ns(TrimSpace(std::string_view(v).substr(start, end - start)));
    start = end == std::string::npos ? v.size() + 1 : end + 1;
    if (ns.empty()) continue;
    const bool label = ns.size() <= 63 && std::isalnum(static_cast<unsigned char>(ns.front())) &&
                       std::isalnum(static_cast<unsigned char>(ns.back())) &&
                       std::all_of(ns.begin(), ns.end(), [](char ch) {
                         return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
                       });
    if (!label) {
      return InvalidArgument("\"" + ns +
                             "\" is not a namespace name (lowercase letters, digits and '-', "
                             "at most 63)");
    }
    if (std::find(out.begin(), out.end(), ns) == out.end()) out.push_back(std::move(ns));
  }
  return Status();
}

const std::vector<Setting>& Settings() {
  using C = OperatorConfig;
  auto str = [](std::string C::*m) {
    return [m](const std::string& v, C& c) {
      c.*m = v;
      return Status();
    };
  };
  auto integer = [](int C::*m, int min, int max) {
    return [=](const std::string& v, C& c) { return ParseInt(v, c.*m, min, max); };
  };
  static const std::vector<Setting> settings = {
      {"kubeconfig", "kubeconfig",
       "kubeconfig file; empty: in-cluster, $KUBECONFIG or ~/.kube/config", str(&C::kubeconfig)},
      {"context", "context", "kubeconfig context; empty: the current one", str(&C::context)},
      {"namespace", "namespace", "one namespace to watch; empty: all namespaces",
       [](const std::string& v, C& c) { return ParseNamespaces(v, c.watch_namespaces); }},
      {"namespaces", "namespaces",
       "namespaces to watch (a list in YAML, comma-separated in the flag); empty: all",
       [](const std::string& v, C& c) { return ParseNamespaces(v, c.watch_namespaces); }, true},
      {"leader-elect", "leaderElection.enabled", "elect one active replica through a Lease (true)",
       [](const std::string& v, C& c) { return ParseBool(v, c.leader_elect); }},
      {"leader-election-namespace", "leaderElection.namespace",
       "namespace of the Lease (runledger-system)", str(&C::leader_election_namespace)},
      {"leader-election-id", "leaderElection.name", "name of the Lease (runledger-operator)",
       str(&C::leader_election_id)},
      {"identity", "leaderElection.identity",
       "this replica's name in the Lease; empty: hostname_random", str(&C::identity)},
      {"metrics-bind-address", "metricsAddress", "host:port of /metrics (0.0.0.0:8080)",
       str(&C::metrics_address)},
      {"tracking-bind-address", "tracking.address",
       "host:port of the MLflow-compatible tracking API (0.0.0.0:5000)", str(&C::tracking_address)},
      {"tracking-threads", "tracking.threads", "threads serving the tracking API (8)",
       integer(&C::tracking_threads, 1, 256)},
      {"tracking-default-namespace", "tracking.defaultNamespace",
       "namespace of experiments created by callers whose token names none (default)",
       str(&C::tracking_default_namespace)},
      {"summary-interval-seconds", "tracking.summaryIntervalSeconds",
       "least time between two metric summaries in a run's status (10)",
       integer(&C::summary_interval_seconds, 1, 3600)},
      {"summary-max-keys", "tracking.summaryMaxKeys",
       "metric keys in a run's status summary, the primary metric first (10)",
       integer(&C::summary_max_keys, 1, 100)},
      {"wal-dir", "store.walDir",
       "directory of the metric store's write-ahead log, on a persistent volume "
       "(/var/lib/runledger/wal)",
       str(&C::wal_dir)},
      {"object-store", "store.objects",
       "object store for metric chunks and artifacts (file:///var/lib/runledger/objects)",
       str(&C::object_store)},
      {"s3-endpoint", "store.s3.endpoint",
       "endpoint of s3:// stores, http(s)://host[:port]; empty: $AWS_ENDPOINT_URL, else AWS",
       str(&C::s3_endpoint)},
      {"s3-region", "store.s3.region",
       "region s3:// requests are signed for; empty: $AWS_REGION, else us-east-1",
       str(&C::s3_region)},
      {"s3-addressing", "store.s3.addressing",
       "auto, path (https://endpoint/bucket/key) or virtual (https://bucket.endpoint/key) (auto)",
       [](const std::string& v, C& c) {
         RETURN_IF_ERROR(store::s3::ParseAddressing(v).status());
         c.s3_addressing = v;
         return Status();
       }},
      {"s3-ca-file", "store.s3.caFile",
       "PEM certificates to trust for s3:// instead of the system's; empty: the system's",
       str(&C::s3_ca_file)},
      {"s3-credentials-secret", "store.s3.credentialsSecret",
       "NAMESPACE/NAME of a Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
       "AWS_SESSION_TOKEN), re-read every minute; empty: the environment's",
       str(&C::s3_credentials_secret)},
      {"health-probe-bind-address", "probeAddress",
       "host:port of /healthz and /readyz (0.0.0.0:8081)", str(&C::probe_address)},
      {"kube-api-qps", "api.qps", "sustained API requests per second (20)",
       [](const std::string& v, C& c) { return ParseDouble(v, c.api_qps); }},
      {"kube-api-burst", "api.burst", "API requests allowed at once above the rate (30)",
       integer(&C::api_burst, 1, 100000)},
      {"trainingrun-workers", "workers.trainingRun", "concurrent TrainingRun reconciles (4)",
       integer(&C::trainingrun_workers, 1, 256)},
      {"experiment-workers", "workers.experiment", "concurrent Experiment reconciles (2)",
       integer(&C::experiment_workers, 1, 256)},
      {"shutdown-grace-seconds", "shutdownGraceSeconds",
       "how long SIGTERM waits for reconciles in flight (30)",
       integer(&C::shutdown_grace_seconds, 0, 3600)},
      {"log-level", "log.level", "debug, info, warn or error (info)",
       [](const std::string& v, C& c) {
         ASSIGN_OR_RETURN(c.log_level, log::ParseLevel(v));
         return Status();
       }},
      {"log-format", "log.format", "json or console (json)",
       [](const std::string& v, C& c) {
         ASSIGN_OR_RETURN(c.log_format, log::ParseFormat(v));
         return Status();
       }},
      {"capture-image", "capture.image", "image holding the runledger-capture binary",
       [](const std::string& v, C& c) {
         c.trainingrun.capture_image = v;
         return Status();
       }},
      {"checkout-image", "checkout.image",
       "image of the init container that checks a run's commit out (needs sh and git)",
       [](const std::string& v, C& c) {
         c.trainingrun.checkout_image = v;
         return Status();
       }},
      {"capture-install-command", "capture.installCommand",
       "command (one argument per line in a flag) that copies runledger-capture into "
       "/runledger/bin",
       [](const std::string& v, C& c) {
         c.trainingrun.capture_install_command.clear();
         size_t start = 0;
         while (start <= v.size()) {
           const size_t nl = v.find('\n', start);
           c.trainingrun.capture_install_command.push_back(
               v.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
           if (nl == std::string::npos) break;
           start = nl + 1;
         }
         return Status();
       },
       true},
      {"tracking-uri", "trackingUri", "MLFLOW_TRACKING_URI given to training pods",
       [](const std::string& v, C& c) {
         c.trainingrun.tracking_uri = v;
         return Status();
       }},
  };
  return settings;
}

std::string Line(const YAML::Node& node) { return std::to_string(node.Mark().line + 1); }

Status ApplyNode(const YAML::Node& node, const std::string& prefix, const std::string& source,
                 OperatorConfig& config) {
  for (const auto& entry : node) {
    const std::string key = prefix + entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    const Setting* setting = nullptr;
    bool is_section = false;
    for (const auto& s : Settings()) {
      if (s.key == key) setting = &s;
      if (s.key.rfind(key + ".", 0) == 0) is_section = true;
    }
    const std::string where = source + ":" + Line(entry.first) + ": " + key;
    if (!setting && is_section) {
      if (!value.IsMap()) return InvalidArgument(where + ": want a mapping");
      RETURN_IF_ERROR(ApplyNode(value, key + ".", source, config));
      continue;
    }
    if (!setting) return InvalidArgument(where + ": unknown key");
    std::string text;
    if (setting->is_list) {
      if (!value.IsSequence()) return InvalidArgument(where + ": want a list of strings");
      for (size_t i = 0; i < value.size(); ++i) {
        if (!value[i].IsScalar()) return InvalidArgument(where + ": want a list of strings");
        text += (i ? "\n" : "") + value[i].as<std::string>();
      }
    } else {
      if (!value.IsScalar()) return InvalidArgument(where + ": want a single value");
      text = value.as<std::string>();
    }
    Status s = setting->set(text, config);
    if (!s.ok()) return InvalidArgument(where + ": " + s.message());
  }
  return Status();
}

}  // namespace

Status ApplyConfigYaml(const std::string& text, const std::string& source, OperatorConfig& config) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return Status();
  if (!root.IsMap()) return InvalidArgument(source + ": the config must be a mapping");
  try {
    return ApplyNode(root, "", source, config);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

std::string Usage() {
  std::string out =
      "usage: runledger-operator [--config FILE] [--flag=value ...]\n\n"
      "  --config FILE  YAML file with the settings below (its key in brackets);\n"
      "                 flags override it.\n";
  for (const auto& s : Settings()) {
    out += "  --" + s.flag + "  [" + s.key + "] " + s.help + "\n";
  }
  return out;
}

Result<OperatorConfig> ParseCommandLine(int argc, const char* const* argv) {
  std::vector<std::pair<std::string, std::string>> flags;
  std::string config_file;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return Status(Code::kCancelled, Usage());
    if (arg.rfind("--", 0) != 0) return InvalidArgument("unexpected argument \"" + arg + "\"");
    std::string name = arg.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return InvalidArgument("flag --" + name + " needs a value");
    }
    if (name == "config") {
      config_file = value;
    } else {
      flags.emplace_back(name, value);
    }
  }
  OperatorConfig config;
  if (!config_file.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(config_file));
    RETURN_IF_ERROR(ApplyConfigYaml(text, config_file, config));
  }
  for (const auto& [name, value] : flags) {
    const Setting* setting = nullptr;
    for (const auto& s : Settings()) {
      if (s.flag == name) setting = &s;
    }
    if (!setting) return InvalidArgument("unknown flag --" + name + " (see --help)");
    Status s = setting->set(value, config);
    if (!s.ok()) return InvalidArgument("--" + name + ": " + s.message());
  }
  return config;
}

Status SplitAddress(const std::string& address, const std::string& what, std::string& host,
                    uint16_t& port) {
  const auto colon = address.rfind(':');
  int p = 0;
  if (colon == std::string::npos || !ParseInt(address.substr(colon + 1), p, 0, 65535).ok()) {
    return InvalidArgument(what + " \"" + address + "\": want host:port, e.g. 0.0.0.0:8080");
  }
  host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  port = static_cast<uint16_t>(p);
  return Status();
}

Result<store::S3StoreSettings> S3SettingsOf(const OperatorConfig& config) {
  store::S3StoreSettings s = store::S3SettingsFromEnvironment();
  if (!config.s3_endpoint.empty()) s.connection.endpoint = config.s3_endpoint;
  if (!config.s3_region.empty()) s.connection.region = config.s3_region;
  ASSIGN_OR_RETURN(s.connection.addressing, store::s3::ParseAddressing(config.s3_addressing));
  if (!config.s3_ca_file.empty()) {
    auto pem = ReadFile(config.s3_ca_file);
    if (!pem.ok()) return InvalidArgument("--s3-ca-file: " + pem.status().message());
    s.ca_pem = std::move(*pem);
  }
  return s;
}

}  // namespace runledger::app
