// Logging: one line per event, as JSON or as readable text, with key=value
// fields (controller, namespace, name, reconcileID on every reconcile line).
//
// Every spdlog logger in the process writes through the format chosen by
// Configure, so plain spdlog calls (as in operator/store) come out as the
// same JSON lines, with their text as "msg".
//
//   JSON:    {"ts":"2026-12-02T12:00:00.123Z","level":"info","logger":"trainingrun",
//             "msg":"created Job","namespace":"ml","name":"lr-3e-4"}
//   console: 2026-12-02T12:00:00.123Z info  trainingrun: created Job namespace=ml name=lr-3e-4
//
// Thread-safety: Configure once at startup, before other threads log;
// Logger methods from any thread.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace spdlog {
class logger;
}

namespace runledger::log {

enum class Format { kJson, kConsole };
enum class Level { kDebug, kInfo, kWarn, kError };

// Parses "json"/"console" and "debug"/"info"/"warn"/"error".
Result<Format> ParseFormat(std::string_view text);
Result<Level> ParseLevel(std::string_view text);

// Sets the format and level of every logger, to stderr.
void Configure(Format format, Level level);

struct Field {
  std::string key;
  std::string value;
};
using Fields = std::vector<Field>;

// A named logger ("trainingrun", "leader", "http").
class Logger {
 public:
  explicit Logger(std::string name);

  void Debug(std::string_view msg, const Fields& fields = {}) const;
  void Info(std::string_view msg, const Fields& fields = {}) const;
  void Warn(std::string_view msg, const Fields& fields = {}) const;
  void Error(std::string_view msg, const Fields& fields = {}) const;

 private:
  void Log(Level level, std::string_view msg, const Fields& fields) const;
  std::shared_ptr<spdlog::logger> logger_;
};

// For tests: the text a log line would carry for `msg` and `fields` in
// `format`, without the timestamp and level.
std::string FormatForTest(Format format, std::string_view logger, std::string_view msg,
                          const Fields& fields);

}  // namespace runledger::log
