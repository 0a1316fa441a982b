// runledger-capture: wraps a training command in the pod
// (`runledger-capture -- <argv>`); see docs/capture.md.
//
// Built as one static executable (no shared libraries, no NSS), so the same
// file runs in any image: Debian, Alpine, distroless, CUDA.
#include <sys/random.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/encoding.h"
#include "capture/args.h"
#include "capture/collect_config.h"
#include "capture/exit_codes.h"
#include "capture/install.h"
#include "capture/metric_collector.h"
#include "capture/run_end.h"
#include "capture/supervisor.h"
#include "capture/version.h"

namespace {

using namespace runledger::capture;

std::optional<std::string> GetEnv(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::optional<std::string>(v) : std::nullopt;
}

// 16 random bytes: the Idempotency-Keys' prefix and the backoff's seed.
std::string RandomBytes() {
  std::string bytes(16, '\0');
  if (getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    // No getrandom (an old kernel): time and pid still differ between pods.
    const auto t = std::chrono::system_clock::now().time_since_epoch().count();
    const auto pid = getpid();
    std::memcpy(bytes.data(), &t, sizeof t);
    std::memcpy(bytes.data() + sizeof t, &pid, sizeof pid);
  }
  return bytes;
}

// Metric collection for one run: the parts main wires into the supervisor.
struct Collection {
  Collection(const CollectConfig& c, MetricLineParser parser, const runledger::Clock& clock)
      : config(c),
        random(RandomBytes()),
        client({.address = c.target.address, .port = c.target.port}),
        buffer(c.buffer_points, c.spill_dir),
        pusher({.path_prefix = c.target.path_prefix,
                .token = c.token,
                .run_id = c.run_id,
                .id_prefix = runledger::HexEncode(random),
                .seed = Seed()},
               client, buffer, clock),
        collector(std::move(parser), buffer, pusher, clock) {}

  uint64_t Seed() const {
    uint64_t seed;
    std::memcpy(&seed, random.data(), sizeof seed);
    return seed;
  }

  const CollectConfig config;
  const std::string random;
  HttpClient client;
  MetricBuffer buffer;
  MetricPusher pusher;
  MetricCollector collector;
};

// After the child ended: flush the metrics, then the artifacts and the
// run's status, all within the flush timeout. Never changes the exit code.
void EndCollection(Collection& c, const SuperviseResult& result, const runledger::Clock& clock) {
  const auto deadline = clock.SteadyNow() + c.config.flush_timeout;
  const int64_t end_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.SystemNow().time_since_epoch())
          .count();
  const MetricPusher::Report report = c.pusher.Finish(deadline);
  if (report.undelivered + report.refused > 0) {
    std::fprintf(stderr,
                 "runledger-capture: %llu metric points were not delivered to the tracking API "
                 "(%llu refused, %llu left at the flush deadline or dropped); %llu delivered\n",
                 static_cast<unsigned long long>(report.undelivered + report.refused),
                 static_cast<unsigned long long>(report.refused),
                 static_cast<unsigned long long>(report.undelivered),
                 static_cast<unsigned long long>(report.delivered));
  }
  Backoff backoff(c.Seed() + 1);
  ReportRunEnd(c.client, c.config, result.summary, result.wait_status, end_ms, deadline, clock,
               backoff);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = ParseArgs(args, GetEnv);
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

  const runledger::Clock& clock = runledger::Clock::Real();
  std::unique_ptr<Collection> collection;
  const CollectDecision decision = DecideCollect(*options, GetEnv);
  if (!decision.note.empty())
    std::fprintf(stderr, "runledger-capture: %s\n", decision.note.c_str());
  if (decision.config) {
    // DecideCollect has checked that the format compiles.
    auto parser = MetricLineParser::Create(decision.config->format);
    collection = std::make_unique<Collection>(*decision.config, std::move(*parser), clock);
    run.stdout_hook = [c = collection.get()](std::string_view line, bool cut) {
      c->collector.OnLine(line, cut);
    };
  }
  const SuperviseResult result = Supervise(run, clock);
  if (collection && result.child_ran) EndCollection(*collection, result, clock);
  return result.exit_code;
}
