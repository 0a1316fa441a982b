// The lookups the TrainingRun decision asks for, done for real: the git
// revision through operator/source (with credentials from the Secret the
// run names, read only for this call), and the dataset fingerprint.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>

#include "controllers/trainingrun.h"
#include "kube/client.h"
#include "store/object_stores.h"

namespace runledger::app {

// `client` must outlive the returned function.
std::function<controllers::SourceLookup(const nlohmann::json&)> GitResolver(kube::Client& client);
// s3:// datasets are listed through `stores`, which must outlive the function.
std::function<controllers::DatasetLookup(const nlohmann::json&)> DatasetResolver(
    store::ObjectStores& stores);
// 32 random bytes as 64 hex digits, from OpenSSL's generator.
std::string NewToken();

}  // namespace runledger::app
