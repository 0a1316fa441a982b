// runledger-capture: wraps a training command in the pod
// (`runledger-capture -- <argv>`); see docs/capture.md.
//
// Built as one static executable (no shared libraries, no NSS), so the same
// file runs in any image: Debian, Alpine, distroless, CUDA.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "capture/args.h"
#include "capture/exit_codes.h"
#include "capture/install.h"
#include "capture/supervisor.h"
#include "capture/version.h"

int main(int argc, char** argv) {
  using namespace runledger::capture;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = ParseArgs(args, [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  });
  if (!options.ok()) {
    std::fprintf(stderr, "runledger-capture: %s\n", options.status().message().c_str());
    return kOwnFailure;
  }
  switch (options->mode) {
    case Options::Mode::kVersion: std::printf("runledger-capture %s\n", kVersion); return 0;
    case Options::Mode::kHelp: std::fputs(UsageText(), stdout); return 0;
    case Options::Mode::kInstall: {
      auto s = InstallSelf(options->install_dest, argc > 0 ? argv[0] : "");
      if (!s.ok()) {
        std::fprintf(stderr, "runledger-capture: --install: %s\n", s.message().c_str());
        return kOwnFailure;
      }
      return 0;
    }
    case Options::Mode::kRun: break;
  }
  SuperviseOptions run;
  run.argv = options->argv;
  run.probes = options->probes;
  run.probe_wait = options->probe_wait;
  run.termination_log = options->termination_log;
  run.create_termination_log = !options->termination_log.empty();
  return Supervise(run, runledger::Clock::Real());
}
