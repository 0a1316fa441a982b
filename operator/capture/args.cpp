#include "capture/args.h"

#include <charconv>

#include "capture/metric_line.h"

namespace runledger::capture {

namespace {

// "--name=value" or "--name value"; advances `i` past a separate value.
Result<std::string> OptionValue(const std::vector<std::string>& args, size_t& i,
                                const std::string& name) {
  const std::string& arg = args[i];
  if (arg.size() > name.size() && arg[name.size()] == '=') return arg.substr(name.size() + 1);
  if (i + 1 >= args.size()) return InvalidArgument(name + " needs a value");
  return args[++i];
}

bool IsOption(const std::string& arg, const std::string& name) {
  return arg == name || (arg.starts_with(name) && arg[name.size()] == '=');
}

// A number of seconds in [0, 3600] given to `name`.
Result<std::chrono::milliseconds> Seconds(const std::string& name, const std::string& v) {
  double seconds = -1;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc() || end != v.data() + v.size() || seconds < 0 || seconds > 3600) {
    return InvalidArgument(name + ": \"" + v + "\" is not a number of seconds (0-3600)");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace

const char* UsageText() {
  return "usage: runledger-capture [options] -- <command> [args...]\n"
         "       runledger-capture --install <dest>\n"
         "       runledger-capture --version | --help\n"
         "\n"
         "Runs <command> with signals forwarded and stdout/stderr passed through,\n"
         "records the container's environment, writes a summary to the termination\n"
         "message, and exits with the command's exit status (125: its own failure).\n"
         "\n"
         "  --termination-log=PATH  summary destination (default /dev/termination-log,\n"
         "                          or $RUNLEDGER_TERMINATION_LOG)\n"
         "  --probe-wait=SECONDS    wait this long for the probes after the command ends\n"
         "                          (default 10)\n"
         "  --no-probes             no probes and no summary ($RUNLEDGER_CAPTURE_PROBES=off)\n"
         "  --metric-format=F       auto, json, keyvalue, none or regex:<R>\n"
         "                          (default auto, or $RUNLEDGER_METRIC_FORMAT)\n"
         "  --flush-timeout=SECONDS deliver metrics this long after the command ends\n"
         "                          (default 30)\n"
         "  --spill-dir=DIR         where metrics beyond the memory buffer wait\n"
         "  --metric-buffer=N       metric points held in memory (default 100000)\n"
         "  --install DEST          copy this binary to DEST (for an init container)\n";
}

Result<Options> ParseArgs(const std::vector<std::string>& args,
                          const std::function<std::optional<std::string>(const char*)>& getenv) {
  Options o;
  if (auto path = getenv("RUNLEDGER_TERMINATION_LOG"); path && !path->empty()) {
    o.termination_log = *path;
  }
  if (auto probes = getenv("RUNLEDGER_CAPTURE_PROBES"); probes && *probes == "off") {
    o.probes = false;
  }
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.empty() || arg[0] != '-') break;  // the command starts here
    if (arg == "--version") {
      o.mode = Options::Mode::kVersion;
      return o;
    }
    if (arg == "--help" || arg == "-h") {
      o.mode = Options::Mode::kHelp;
      return o;
    }
    if (arg == "--no-probes") {
      o.probes = false;
    } else if (IsOption(arg, "--install")) {
      ASSIGN_OR_RETURN(o.install_dest, OptionValue(args, i, "--install"));
      if (o.install_dest.empty()) return InvalidArgument("--install needs a destination path");
      o.mode = Options::Mode::kInstall;
    } else if (IsOption(arg, "--termination-log")) {
      ASSIGN_OR_RETURN(o.termination_log, OptionValue(args, i, "--termination-log"));
    } else if (IsOption(arg, "--probe-wait")) {
      ASSIGN_OR_RETURN(std::string v, OptionValue(args, i, "--probe-wait"));
      ASSIGN_OR_RETURN(o.probe_wait, Seconds("--probe-wait", v));
    } else if (IsOption(arg, "--flush-timeout")) {
      ASSIGN_OR_RETURN(std::string v, OptionValue(args, i, "--flush-timeout"));
      ASSIGN_OR_RETURN(o.flush_timeout, Seconds("--flush-timeout", v));
    } else if (IsOption(arg, "--metric-format")) {
      ASSIGN_OR_RETURN(std::string v, OptionValue(args, i, "--metric-format"));
      ASSIGN_OR_RETURN(MetricFormat format, ParseMetricFormat(v));
      RETURN_IF_ERROR(MetricLineParser::Create(format).status());
      o.metric_format = std::move(v);
    } else if (IsOption(arg, "--spill-dir")) {
      ASSIGN_OR_RETURN(o.spill_dir, OptionValue(args, i, "--spill-dir"));
    } else if (IsOption(arg, "--metric-buffer")) {
      ASSIGN_OR_RETURN(std::string v, OptionValue(args, i, "--metric-buffer"));
      size_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size() || n == 0) {
        return InvalidArgument("--metric-buffer: \"" + v + "\" is not a positive count");
      }
      o.metric_buffer = n;
    } else {
      return InvalidArgument("unknown option \"" + arg + "\" (see --help)");
    }
  }
  if (o.mode == Options::Mode::kInstall) {
    if (i < args.size()) return InvalidArgument("--install takes no command");
    return o;
  }
  o.argv.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (o.argv.empty()) return InvalidArgument("no command given: runledger-capture -- <command>");
  if (o.argv[0].empty()) return InvalidArgument("the command is an empty string");
  return o;
}

}  // namespace runledger::capture
