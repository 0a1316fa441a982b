#include "kube/secret_data.h"

#include <openssl/evp.h>

#include <algorithm>

#include "kube/json_fields.h"

namespace runledger::kube {

Result<std::string> DecodeBase64(std::string in) {
  std::erase_if(in, [](char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; });
  if (in.size() % 4 != 0) return InvalidArgument("length is not a multiple of 4");
  // EVP_DecodeBlock accepts '=' anywhere; padding may only end the text.
  const size_t first_pad = in.find('=');
  if (first_pad != std::string::npos &&
      (first_pad + 2 < in.size() || in.find_first_not_of('=', first_pad) != std::string::npos)) {
    return InvalidArgument("not valid base64 ('=' before the end)");
  }
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return InvalidArgument("not valid base64");
  // EVP_DecodeBlock counts padding as output bytes; drop them.
  size_t padding = 0;
  if (!in.empty() && in.back() == '=') ++padding;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string SecretValue(const nlohmann::json& secret, std::string_view key) {
  auto decoded = DecodeBase64(StringField(ObjectField(secret, "data"), key));
  return decoded.ok() ? std::move(*decoded) : std::string();
}

}  // namespace runledger::kube
