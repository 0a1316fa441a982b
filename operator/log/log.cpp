#include "log/log.h"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace runledger::log {
namespace {

// A structured line travels through spdlog as "<msg>\x1e<fields as JSON>";
// the formatter takes it apart again. Plain spdlog calls have no separator.
constexpr char kFieldSeparator = '\x1e';

std::string Encode(std::string_view msg, const Fields& fields) {
  std::string out(msg);
  if (fields.empty()) return out;
  nlohmann::json f = nlohmann::json::object();
  for (const auto& field : fields) f[field.key] = field.value;
  out += kFieldSeparator;
  out += f.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return out;
}

std::string Render(Format format, std::string_view logger, std::string_view payload) {
  std::string_view msg = payload;
  nlohmann::json fields = nlohmann::json::object();
  if (auto sep = payload.find(kFieldSeparator); sep != std::string_view::npos) {
    msg = payload.substr(0, sep);
    fields = nlohmann::json::parse(payload.substr(sep + 1), nullptr, false);
    if (!fields.is_object()) fields = nlohmann::json::object();
  }
  if (format == Format::kJson) {
    nlohmann::json line = nlohmann::json::object();
    line["logger"] = logger;
    line["msg"] = msg;
    for (auto& [k, v] : fields.items()) line[k] = v;
    // ts and level come first from the pattern; drop the braces here.
    std::string body = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return body.substr(1, body.size() - 2);
  }
  std::string out = std::string(logger) + ": " + std::string(msg);
  for (auto& [k, v] : fields.items()) {
    const std::string value = v.is_string() ? v.get<std::string>() : v.dump();
    const bool quote = value.empty() || value.find_first_of(" \"=") != std::string::npos;
    out += " " + k + "=" + (quote ? nlohmann::json(value).dump() : value);
  }
  return out;
}

class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(Format format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto t = std::chrono::system_clock::to_time_t(msg.time);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()) % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[64];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms.count()));
    const auto level = spdlog::level::to_string_view(msg.level);
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    const std::string body = Render(format_, logger.empty() ? "runledger" : logger,
                                    std::string_view(msg.payload.data(), msg.payload.size()));
    std::string line;
    if (format_ == Format::kJson) {
      line = std::string("{\"ts\":\"") + ts + "\",\"level\":\"" +
             std::string(level.data(), level.size()) + "\"," + body + "}\n";
    } else {
      line = std::string(ts) + " " + std::string(level.data(), level.size()) + " " + body + "\n";
    }
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

 private:
  const Format format_;
};

spdlog::level::level_enum ToSpdlog(Level level) {
  switch (level) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

Result<Format> ParseFormat(std::string_view text) {
  if (text == "json") return Format::kJson;
  if (text == "console") return Format::kConsole;
  return InvalidArgument("log format \"" + std::string(text) + "\": want json or console");
}

Result<Level> ParseLevel(std::string_view text) {
  if (text == "debug") return Level::kDebug;
  if (text == "info") return Level::kInfo;
  if (text == "warn") return Level::kWarn;
  if (text == "error") return Level::kError;
  return InvalidArgument("log level \"" + std::string(text) +
                         "\": want debug, info, warn or error");
}

void Configure(Format format, Level level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(std::make_unique<LineFormatter>(format));
  auto default_logger = std::make_shared<spdlog::logger>("", sink);
  spdlog::set_default_logger(default_logger);
  spdlog::apply_all([&](std::shared_ptr<spdlog::logger> l) { l->sinks() = {sink}; });
  spdlog::set_level(ToSpdlog(level));
  spdlog::flush_on(spdlog::level::info);
}

Logger::Logger(std::string name) {
  logger_ = spdlog::get(name);
  if (!logger_) {
    logger_ = spdlog::default_logger()->clone(name);
    // Another thread may have registered it meanwhile; either is fine.
    try {
      spdlog::register_logger(logger_);
    } catch (const spdlog::spdlog_ex&) {
      if (auto existing = spdlog::get(name)) logger_ = existing;
    }
  }
}

void Logger::Log(Level level, std::string_view msg, const Fields& fields) const {
  const auto l = ToSpdlog(level);
  if (!logger_->should_log(l)) return;
  logger_->log(l, "{}", Encode(msg, fields));
}

void Logger::Debug(std::string_view msg, const Fields& fields) const {
  Log(Level::kDebug, msg, fields);
}
void Logger::Info(std::string_view msg, const Fields& fields) const {
  Log(Level::kInfo, msg, fields);
}
void Logger::Warn(std::string_view msg, const Fields& fields) const {
  Log(Level::kWarn, msg, fields);
}
void Logger::Error(std::string_view msg, const Fields& fields) const {
  Log(Level::kError, msg, fields);
}

std::string FormatForTest(Format format, std::string_view logger, std::string_view msg,
                          const Fields& fields) {
  return Render(format, logger, Encode(msg, fields));
}

}  // namespace runledger::log
