#include "kube/secret_data.h"

#include <openssl/evp.h>

#include <algorithm>

#include "kube/json_fields.h"

namespace runledger::kube {

std::string SecretValue(const nlohmann::json& secret, std::string_view key) {
  const std::string in = StringField(ObjectField(secret, "data"), key);
  if (in.empty() || in.size() % 4 != 0) return "";
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return "";
  // EVP_DecodeBlock counts '=' padding as decoded zero bytes.
  const size_t pad = static_cast<size_t>(std::count(in.end() - 2, in.end(), '='));
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace runledger::kube
