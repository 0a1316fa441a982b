// The command line of runledger-capture (docs/capture.md, "Usage"):
//
//   runledger-capture [options] -- <command> [args...]
//   runledger-capture --install <dest>
//   runledger-capture --version | --help
//
// Everything after "--" is the child's argv, exactly. Without "--" the
// first argument that is not an option starts the command. Options:
//   --termination-log=PATH  where the summary goes (also $RUNLEDGER_TERMINATION_LOG)
//   --probe-wait=SECONDS    how long to wait for probes after the child ended (default 10)
//   --no-probes             run no probes, write no summary (also $RUNLEDGER_CAPTURE_PROBES=off)
//   --metric-format=F       how metric lines look (collect_config.h; also $RUNLEDGER_METRIC_FORMAT)
//   --flush-timeout=SECONDS how long to deliver metrics after the child ended (default 30)
//   --spill-dir=DIR         where metrics beyond the in-memory buffer wait
//   --metric-buffer=N       metric points held in memory before spilling (default 100000)
// The metric options are only parsed and checked here; collect_config.h
// combines them with the environment.
//
// Pure: reads no environment itself; the caller passes a lookup.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace runledger::capture {

struct Options {
  enum class Mode { kRun, kInstall, kVersion, kHelp };
  Mode mode = Mode::kRun;
  std::vector<std::string> argv;  // kRun: the child's argv, never empty
  std::string install_dest;       // kInstall
  std::string termination_log;    // empty: the default path
  bool probes = true;
  std::chrono::milliseconds probe_wait{10000};
  // Unset: the environment variable or the default decides.
  std::optional<std::string> metric_format;
  std::optional<std::chrono::milliseconds> flush_timeout;
  std::optional<std::string> spill_dir;
  std::optional<size_t> metric_buffer;
};

// `args` excludes argv[0]. `getenv` returns the value of a variable, or
// nullopt when unset. Errors: InvalidArgument saying what is wrong.
Result<Options> ParseArgs(const std::vector<std::string>& args,
                          const std::function<std::optional<std::string>(const char*)>& getenv);

// The --help text.
const char* UsageText();

}  // namespace runledger::capture
