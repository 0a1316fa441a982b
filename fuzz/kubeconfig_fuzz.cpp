// libFuzzer target: the kubeconfig parser must turn any text into a Config
// or an InvalidArgument, never crash or throw. Files it names are looked up
// under an empty directory, so relative paths read nothing.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "kube/config.h"

using namespace runledger;
using namespace runledger::kube;

namespace {

const std::string& EmptyDir() {
  static const std::string dir = [] {
    std::string d = (std::filesystem::temp_directory_path() /
                     ("runledger-kubeconfig-fuzz-" + std::to_string(::getpid())))
                        .string();
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

}  // namespace

// The parser warns about insecure-skip-tls-verify; a warning per input would
// make the run about writing to stderr.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const std::string context : {"", "other"}) {
    Result<Config> c = ParseKubeconfig(text, EmptyDir(), "fuzz.yaml", context);
    if (c.ok()) {
      // A config that parses has a server the client can use.
      if (c->server.rfind("https://", 0) != 0 && c->server.rfind("http://", 0) != 0) std::abort();
    } else if (c.status().code() != Code::kInvalidArgument) {
      std::abort();  // The contract: every bad kubeconfig is InvalidArgument.
    }
  }
  return 0;
}
