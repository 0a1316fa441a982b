#include "capture/run_end.h"

#include <sys/wait.h>

#include <cctype>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "capture/metric_pusher.h"

namespace runledger::capture {

namespace {

using std::chrono::milliseconds;

// Percent-encodes all but RFC 3986's unreserved bytes, for an id in a path.
std::string PathSegment(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string MlflowRunStatus(int wait_status) {
  if (WIFSIGNALED(wait_status)) return "KILLED";
  return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0 ? "FINISHED" : "FAILED";
}

std::string RequirementsText(const CaptureSummary& summary) {
  std::string out;
  for (const auto& [name, version] : summary.packages) out += name + "==" + version + "\n";
  return out;
}

void ReportRunEnd(HttpClient& client, const CollectConfig& config,
                  const std::optional<CaptureSummary>& summary, int wait_status,
                  int64_t end_time_ms, Clock::SteadyTime deadline, const Clock& clock,
                  Backoff& backoff) {
  const DeliveryHooks hooks{
      [&]() -> std::optional<milliseconds> {
        return std::chrono::duration_cast<milliseconds>(deadline - clock.SteadyNow());
      },
      [&](milliseconds d) { clock.SleepFor(d); }};
  auto call = [&](const std::string& what, std::string method, std::string path,
                  std::string content_type, std::string body) {
    HttpRequest r{std::move(method), config.target.path_prefix + path, AuthHeaders(config.token),
                  std::move(content_type), std::move(body)};
    const DeliveryOutcome o = Deliver(client, r, backoff, hooks);
    if (o.kind == DeliveryOutcome::Kind::kRefused) {
      std::fprintf(stderr, "runledger-capture: the tracking API refused %s (HTTP %d): %s\n",
                   what.c_str(), o.status, o.detail.c_str());
    } else if (o.kind == DeliveryOutcome::Kind::kGaveUp) {
      std::fprintf(stderr,
                   "runledger-capture: %s was not delivered before the flush deadline: %s\n",
                   what.c_str(), o.detail.c_str());
    }
  };

  if (summary && !config.experiment_id.empty()) {
    const std::string dir = "/api/2.0/mlflow-artifacts/artifacts/" +
                            PathSegment(config.experiment_id) + "/" + PathSegment(config.run_id) +
                            "/artifacts/runledger/";
    call("the artifact runledger/env.json", "PUT", dir + "env.json", "application/json",
         WriteSummary(*summary, std::numeric_limits<size_t>::max()));
    if (!summary->packages.empty()) {
      call("the artifact runledger/requirements.txt", "PUT", dir + "requirements.txt",
           "text/plain; charset=utf-8", RequirementsText(*summary));
    }
  }
  const nlohmann::json update = {{"run_id", config.run_id},
                                 {"status", MlflowRunStatus(wait_status)},
                                 {"end_time", end_time_ms}};
  call("the run's end (runs/update)", "POST", "/api/2.0/mlflow/runs/update", "application/json",
       update.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace runledger::capture
