#include "capture/redact.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace runledger::capture {

namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsUpperAlnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// AWS access key ids: AKIA/ASIA + 16 upper-case letters or digits.
bool ContainsAwsKeyId(std::string_view v) {
  for (size_t i = 0; i + 20 <= v.size(); ++i) {
    std::string_view p = v.substr(i, 4);
    if (p != "AKIA" && p != "ASIA") continue;
    if (std::all_of(v.begin() + i + 4, v.begin() + i + 20, IsUpperAlnum)) return true;
  }
  return false;
}

// A JWT: three base64url parts, the first a JSON header ("eyJ" = '{"').
bool LooksLikeJwt(std::string_view v) {
  if (!v.starts_with("eyJ")) return false;
  return std::count(v.begin(), v.end(), '.') == 2 && v.size() > 20;
}

// "scheme://user:password@host..." -> "scheme://user:[redacted]@host...".
std::string RedactUrlPasswords(std::string_view v) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t scheme = v.find("://", pos);
    if (scheme == std::string_view::npos) break;
    size_t start = scheme + 3;
    size_t end = v.find_first_of("/?# \t,;", start);
    if (end == std::string_view::npos) end = v.size();
    std::string_view authority = v.substr(start, end - start);
    size_t at = authority.rfind('@');
    size_t colon = authority.find(':');
    out.append(v.substr(pos, start - pos));
    if (at != std::string_view::npos && colon != std::string_view::npos && colon < at) {
      out.append(authority.substr(0, colon + 1));
      out.append(kRedacted);
      out.append(authority.substr(at));
    } else {
      out.append(authority);
    }
    pos = end;
  }
  out.append(v.substr(pos));
  return out;
}

}  // namespace

bool SelectedEnvName(std::string_view name) {
  static constexpr std::array<std::string_view, 22> kPrefixes = {
      "RUNLEDGER_", "MLFLOW_",     "GIT_",       "DATASET_",      "CUDA_",   "NVIDIA_",
      "NCCL_",      "CUDNN_",      "PYTHON",     "TORCH",         "PYTORCH", "TF_",
      "XLA_",       "JAX_",        "HF_",        "TRANSFORMERS_", "OMP_",    "MKL_",
      "CONDA_",     "VIRTUAL_ENV", "WORLD_SIZE", "LOCAL_RANK"};
  static constexpr std::array<std::string_view, 6> kNames = {
      "PATH", "LD_LIBRARY_PATH", "LANG", "RANK", "MASTER_ADDR", "MASTER_PORT"};
  for (auto p : kPrefixes) {
    if (name.starts_with(p)) return true;
  }
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

bool SecretLookingName(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kWords = {
      "TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL", "AUTH", "PRIVATE"};
  const std::string upper = Upper(name);
  for (auto w : kWords) {
    if (upper.find(w) != std::string::npos) return true;
  }
  return false;
}

bool SecretLookingValue(std::string_view value) {
  static constexpr std::array<std::string_view, 10> kPrefixes = {
      "ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "hf_", "sk-"};
  for (auto p : kPrefixes) {
    // A prefix alone (e.g. "sk-" in a path) is not a token: ask for a body.
    if (value.starts_with(p) && value.size() >= p.size() + 16) return true;
  }
  if (value.find("PRIVATE KEY-----") != std::string_view::npos) return true;
  return LooksLikeJwt(value) || ContainsAwsKeyId(value);
}

std::string RedactedValue(std::string_view name, std::string_view value) {
  if (SecretLookingName(name) || SecretLookingValue(value)) return kRedacted;
  return RedactUrlPasswords(value);
}

std::map<std::string, std::string> SelectEnv(const std::vector<std::string>& environ) {
  std::map<std::string, std::string> out;
  for (const auto& entry : environ) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string_view name(entry.data(), eq);
    if (!SelectedEnvName(name)) continue;
    out[std::string(name)] = RedactedValue(name, std::string_view(entry).substr(eq + 1));
  }
  return out;
}

}  // namespace runledger::capture
