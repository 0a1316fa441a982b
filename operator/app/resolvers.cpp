#include "app/resolvers.h"

#include <openssl/rand.h>

#include "base/encoding.h"
#include "kube/json_fields.h"
#include "kube/secret_data.h"
#include "source/dataset.h"
#include "source/git.h"

namespace runledger::app {

using kube::ObjectField;
using kube::StringField;
using nlohmann::json;

std::function<controllers::SourceLookup(const json&)> GitResolver(kube::Client& client) {
  return [&client](const json& run) -> controllers::SourceLookup {
    const json& git = ObjectField(ObjectField(ObjectField(run, "spec"), "source"), "git");
    source::GitCredentials creds;
    const std::string secret = StringField(ObjectField(git, "secretRef"), "name");
    if (!secret.empty()) {
      const std::string ns = StringField(ObjectField(run, "metadata"), "namespace");
      auto got = client.Get(kube::resources::kSecrets, ns, secret);
      if (!got.ok()) {
        return {
            got.status().WithContext("reading Secret " + secret + " (spec.source.git.secretRef)"),
            "", ""};
      }
      creds.username = kube::SecretValue(*got, "username");
      creds.password = kube::SecretValue(*got, "password");
      if (creds.password.empty()) creds.password = kube::SecretValue(*got, "token");
      creds.ssh_private_key = kube::SecretValue(*got, "ssh-privatekey");
      creds.ssh_known_hosts = kube::SecretValue(*got, "known_hosts");
    }
    auto resolved = source::ResolveRevision(StringField(git, "url"), StringField(git, "revision"),
                                            creds, std::chrono::seconds(30));
    if (!resolved.ok()) return {resolved.status(), "", ""};
    return {Status(), resolved->commit, resolved->resolved_from};
  };
}

std::function<controllers::DatasetLookup(const json&)> DatasetResolver(
    store::ObjectStores& stores) {
  return [&stores](const json& run) -> controllers::DatasetLookup {
    const std::string uri = StringField(ObjectField(ObjectField(run, "spec"), "dataset"), "uri");
    auto fp = source::FingerprintDataset(uri, {}, &stores);
    if (!fp.ok()) return {fp.status(), ""};
    return {Status(), fp->snapshot_id};
  };
}

std::string NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // No entropy: nothing is safe.
  return HexEncode(std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
}

}  // namespace runledger::app
