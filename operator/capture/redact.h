// Which environment variables the capture records, and how secrets are
// kept out of the record (docs/capture.md, "Redaction").
//
// A variable is recorded when its name is in the selection (SelectedEnvName).
// Its value is replaced by "[redacted]" when the name looks secret (contains
// TOKEN, SECRET, PASSWORD, PASSWD, KEY, CREDENTIAL, AUTH or PRIVATE, in any
// case; MLFLOW_TRACKING_TOKEN among them) or the value does (a known token
// shape); a URL's password is cut out of an otherwise kept value.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace runledger::capture {

inline constexpr char kRedacted[] = "[redacted]";

// True for names the capture records: runledger's own injected variables
// and those that shape a training run (CUDA, NCCL, Python, frameworks,
// threads). Everything else (HOME, HOSTNAME, the user's own) is left out.
bool SelectedEnvName(std::string_view name);

// True when the name suggests a secret, whatever its value.
bool SecretLookingName(std::string_view name);

// True when the value has the shape of a credential: a JWT, a PEM private
// key, or a token with a well-known prefix (ghp_, github_pat_, glpat-,
// xoxb-, hf_, sk-, AKIA...).
bool SecretLookingValue(std::string_view value);

// The value to record for `name`: "[redacted]" for a secret-looking name or
// value; otherwise the value with any URL password ("scheme://user:pw@")
// replaced by "[redacted]".
std::string RedactedValue(std::string_view name, std::string_view value);

// The selected variables of `environ` ("NAME=value" strings, as the process
// environment holds them), redacted. Entries without '=' are skipped.
std::map<std::string, std::string> SelectEnv(const std::vector<std::string>& environ);

}  // namespace runledger::capture
