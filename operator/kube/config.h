// Config: where the Kubernetes API server is and how to authenticate to it.
//
// Loaded from a kubeconfig file (the current context or a named one) or from
// the service-account files mounted into a pod. Every error names the file
// and, where it applies, the field that is wrong. A missing kubeconfig or
// service-account file is NotFound; a file that is there but wrong is
// InvalidArgument (files named inside a kubeconfig, such as its
// certificate-authority, are part of it: InvalidArgument naming the field).
//
// Supported: certificate-authority(-data), client-certificate(-data) with
// client-key(-data), token (wins over tokenFile, as in kubectl), tokenFile,
// insecure-skip-tls-verify (honoured with a warning), the context's
// namespace. Not supported, with a clear error: exec and auth-provider
// plugins, username/password; tls-server-name is read but refused when a
// client is made (kube/transport.h).
#pragma once

#include <string>

#include "base/status.h"

namespace runledger::kube {

struct Config {
  std::string server;           // e.g. "https://127.0.0.1:6443", no trailing slash.
  std::string ca_pem;           // Trusted CA certificates; empty: the system's roots.
  std::string client_cert_pem;  // Client certificate chain; with client_key_pem.
  std::string client_key_pem;
  std::string token;       // Bearer token, or empty.
  std::string token_file;  // Bearer token re-read from this file; unused when token is set.
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // Name to verify the server's certificate against.
  std::string ns = "default";   // Namespace of the context, or the pod's own.
  std::string source;           // Where this came from, for messages.
};

// The default in-cluster service-account directory.
inline constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

// Reads a kubeconfig file. `context` empty means current-context. Relative
// file paths inside it resolve against the kubeconfig's directory.
Result<Config> LoadKubeconfig(const std::string& path, const std::string& context = "");

// Parses kubeconfig text; `base_dir` resolves relative paths, `source` names
// the text in error messages.
Result<Config> ParseKubeconfig(const std::string& yaml, const std::string& base_dir,
                               const std::string& source, const std::string& context = "");

// Builds the in-cluster configuration from KUBERNETES_SERVICE_HOST/PORT and
// the token, ca.crt and namespace files in `dir`.
Result<Config> LoadInCluster(const std::string& dir = kServiceAccountDir);

// What a command-line tool expects: $KUBECONFIG (its first existing file),
// then the in-cluster service account when running in a pod, then
// ~/.kube/config.
Result<Config> LoadDefault(const std::string& context = "");

}  // namespace runledger::kube
