#include "kube/secret_data.h"

#include "base/encoding.h"
#include "kube/json_fields.h"

namespace runledger::kube {

std::string SecretValue(const nlohmann::json& secret, std::string_view key) {
  auto decoded = DecodeBase64(StringField(ObjectField(secret, "data"), key));
  return decoded.ok() ? std::move(*decoded) : std::string();
}

}  // namespace runledger::kube
