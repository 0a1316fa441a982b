// The runledger-operator's configuration: defaults, then a YAML file
// (--config), then command-line flags, each overriding the one before.
//
// An unknown or ill-typed key in the file is an error naming the key and
// its line; an unknown flag or a bad value names the flag. docs/operator.md
// lists every key and flag.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "controllers/trainingrun.h"
#include "log/log.h"
#include "store/s3_object_store.h"

namespace runledger::app {

struct OperatorConfig {
  std::string kubeconfig;  // Empty: in-cluster, else $KUBECONFIG, else ~/.kube/config.
  std::string context;
  std::vector<std::string> watch_namespaces;  // Empty: all namespaces.

  bool leader_elect = true;
  std::string leader_election_namespace = "runledger-system";
  std::string leader_election_id = "runledger-operator";
  std::string identity;  // Empty: hostname + "_" + random.

  std::string metrics_address = "0.0.0.0:8080";
  std::string probe_address = "0.0.0.0:8081";

  // The MLflow-compatible tracking API (docs/mlflow.md).
  std::string tracking_address = "0.0.0.0:5000";
  int tracking_threads = 8;  // Handlers block while a write becomes durable.
  // Where callers whose token names no namespace create experiments.
  std::string tracking_default_namespace = "default";
  int summary_interval_seconds = 10;  // Least time between status summaries of a run.
  int summary_max_keys = 10;          // Metric keys in a run's status summary.
  // The metric store's write-ahead log (a persistent volume) and the object
  // store for metric chunks and artifacts (file:// or s3://).
  std::string wal_dir = "/var/lib/runledger/wal";
  std::string object_store = "file:///var/lib/runledger/objects";
  // How every s3:// store is reached (docs/object-storage.md). Empty: as
  // AWS's tools read the environment (AWS_ENDPOINT_URL, AWS_REGION), and
  // AWS itself. Credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
  std::string s3_endpoint;
  std::string s3_region;
  std::string s3_addressing = "auto";  // auto, path or virtual
  std::string s3_ca_file;              // PEM bundle to trust instead of the system's
  std::string s3_credentials_secret;   // "NAMESPACE/NAME"; empty: the environment's

  double api_qps = 20;
  int api_burst = 30;
  int trainingrun_workers = 4;
  int experiment_workers = 2;
  int shutdown_grace_seconds = 30;

  log::Level log_level = log::Level::kInfo;
  log::Format log_format = log::Format::kJson;

  controllers::TrainingRunConfig trainingrun;
};

// Parses a YAML config document into `config` (only the keys present).
Status ApplyConfigYaml(const std::string& text, const std::string& source, OperatorConfig& config);

// Parses argv (flags as --name=value or --name value); reads --config first.
// Returns the config, or InvalidArgument naming the flag or key at fault.
// `--help` is returned as Cancelled with the usage text as message.
Result<OperatorConfig> ParseCommandLine(int argc, const char* const* argv);

// "host:port" -> parts; InvalidArgument naming `what` when malformed.
Status SplitAddress(const std::string& address, const std::string& what, std::string& host,
                    uint16_t& port);

std::string Usage();

// The S3 settings the config and the environment give (see s3_endpoint);
// InvalidArgument for an unreadable CA file.
Result<store::S3StoreSettings> S3SettingsOf(const OperatorConfig& config);

}  // namespace runledger::app
