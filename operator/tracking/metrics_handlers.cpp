// The metric endpoints: the writes (log-batch, log-metric, and the param and
// tag writes they share with runs_handlers.cpp) and the history reads.
#include <algorithm>
#include <map>

#include "base/encoding.h"
#include "store/hash.h"
#include "tracking/handlers.h"
#include "tracking/ingest.h"
#include "tracking/mlflow_json.h"

namespace runledger::tracking::internal {
namespace {

using nlohmann::json;

constexpr size_t kMaxBulkRuns = 100;
constexpr int64_t kDefaultBulkResults = 320;
constexpr int64_t kMaxBulkResults = 1000;
constexpr int64_t kMaxHistoryResults = 25000;

// The idempotency id of a write: the client's Idempotency-Key, or else a
// 128-bit hash of the body, so an identical retry is stored once (MLflow
// itself keeps one copy of identical points).
std::string IdempotencyId(const http::Request& request) {
  if (const std::string_view key = request.Header("Idempotency-Key"); !key.empty())
    return "key:" + std::string(key);
  const uint64_t a = store::Hash64(request.body, 1), b = store::Hash64(request.body, 2);
  return "body:" + HexEncode(std::string_view(reinterpret_cast<const char*>(&a), 8)) +
         HexEncode(std::string_view(reinterpret_cast<const char*>(&b), 8));
}

// Refuses params that would change a logged value (MLflow's rule; the same
// value again is fine), including two values for one key in one batch.
Status CheckParams(const RunRecord& run, const std::vector<KeyValue>& params) {
  std::map<std::string_view, std::string_view> seen;
  for (const auto& [k, v] : params) {
    auto [it, fresh] = seen.emplace(k, v);
    if (!fresh && it->second != v) {
      return InvalidArgument("Duplicate parameter keys have been submitted: '" + k +
                             "' with two different values in one request.");
    }
    const auto logged = run.params.find(k);
    if (logged != run.params.end() && logged->second != v) {
      return InvalidArgument("Changing param values is not allowed. Param with key='" + k +
                             "' was already logged with value='" + logged->second +
                             "' for run ID='" + run.run_id + "'. Attempted logging new value '" +
                             v + "'.");
    }
  }
  return Status::Ok();
}

}  // namespace

Status Handlers::Log(const RunRecord& run, const LogBatchRequest& batch,
                     std::string idempotency_id) {
  RETURN_IF_ERROR(CheckParams(run, batch.params));
  const bool new_params =
      std::any_of(batch.params.begin(), batch.params.end(),
                  [&](const KeyValue& p) { return !run.params.count(p.first); });
  const bool new_tags = std::any_of(batch.tags.begin(), batch.tags.end(), [&](const KeyValue& t) {
    const auto it = run.tags.find(t.first);
    return it == run.tags.end() || it->second != t.second;
  });
  if (new_params || new_tags) {
    RETURN_IF_ERROR(d_.writer
                        .UpdateRun(run,
                                   [&](const RunRecord& current, json& patch) {
                                     RETURN_IF_ERROR(CheckParams(current, batch.params));
                                     for (const auto& [k, v] : batch.params) {
                                       if (!current.params.count(k)) patch["params"][k] = v;
                                     }
                                     for (const auto& [k, v] : batch.tags) {
                                       patch["tags"][k] = v;
                                       if (k == "mlflow.runName") patch["runName"] = v;
                                     }
                                     return Status::Ok();
                                   })
                        .status());
  }
  if (batch.metrics.empty()) return Status::Ok();
  store::Batch points;
  points.run_id = run.run_id;
  points.idempotency_id = std::move(idempotency_id);
  points.points = batch.metrics;
  RETURN_IF_ERROR(d_.metrics.Append(points));
  d_.latest.Add(run.run_id, points.points);
  d_.summarizer.Logged(run.run_id);
  return Status::Ok();
}

Result<json> Handlers::LogParsed(const Call& c, Result<LogBatchRequest> parsed) {
  ASSIGN_OR_RETURN(LogBatchRequest batch, std::move(parsed));
  RunPtr run = d_.catalog.Run(batch.run_id);
  if (!run) return NotFound("Run '" + batch.run_id + "' not found");
  RETURN_IF_ERROR(d_.auth.CanWriteRun(c.caller, *run));
  RETURN_IF_ERROR(Log(*run, batch, IdempotencyId(c.request)));
  return json::object();
}

Result<json> Handlers::LogBatch(const Call& c) {
  return LogParsed(c, ParseLogBatch(c.request.body));
}

Result<json> Handlers::LogMetric(const Call& c) {
  return LogParsed(c, ParseLogMetric(c.request.body));
}

Result<json> Handlers::GetMetricHistory(const Call& c) {
  ASSIGN_OR_RETURN(RunPtr run, RunFor(c, /*write=*/false));
  store::HistoryRequest request;
  request.run_id = run->run_id;
  ASSIGN_OR_RETURN(request.key, c.args.Required("metric_key"));
  ASSIGN_OR_RETURN(request.page_token, c.args.String("page_token"));
  ASSIGN_OR_RETURN(auto max_results, c.args.Int("max_results"));
  if (max_results && (*max_results < 1 || *max_results > kMaxHistoryResults)) {
    return InvalidArgument("Invalid value for parameter 'max_results': it must be between 1 and " +
                           std::to_string(kMaxHistoryResults) + ".");
  }
  request.max_results = static_cast<size_t>(max_results.value_or(kMaxHistoryResults));
  ASSIGN_OR_RETURN(store::HistoryPage page, d_.metrics.History(request));
  json metrics = json::array();
  for (const auto& s : page.samples) metrics.push_back(MetricJson(request.key, s));
  json answer = {{"metrics", std::move(metrics)}};
  if (!page.next_page_token.empty()) answer["next_page_token"] = page.next_page_token;
  return answer;
}

Result<json> Handlers::GetMetricHistoryBulkInterval(const Call& c) {
  ASSIGN_OR_RETURN(auto run_ids, c.args.Strings("run_ids"));
  ASSIGN_OR_RETURN(std::string key, c.args.Required("metric_key"));
  ASSIGN_OR_RETURN(auto start_step, c.args.Int("start_step"));
  ASSIGN_OR_RETURN(auto end_step, c.args.Int("end_step"));
  ASSIGN_OR_RETURN(auto max_results, c.args.Int("max_results"));
  if (run_ids.empty())
    return InvalidArgument(
        "GetMetricHistoryBulkInterval request must specify "
        "at least one run_id.");
  if (run_ids.size() > kMaxBulkRuns) {
    return InvalidArgument("GetMetricHistoryBulkInterval request cannot specify more than " +
                           std::to_string(kMaxBulkRuns) + " run_ids. Received " +
                           std::to_string(run_ids.size()) + " run_ids.");
  }
  if (start_step.has_value() != end_step.has_value())
    return InvalidArgument(
        "If either start step or end step are specified, both must be "
        "specified.");
  if (start_step && *start_step > *end_step)
    return InvalidArgument("end_step must be greater than start_step. Found start_step=" +
                           std::to_string(*start_step) +
                           " and end_step=" + std::to_string(*end_step) + ".");
  const int64_t limit = max_results.value_or(kDefaultBulkResults);
  if (limit < 1 || limit > kMaxBulkResults)
    return InvalidArgument("max_results must be between 1 and " + std::to_string(kMaxBulkResults) +
                           ".");
  json metrics = json::array();
  for (const auto& id : run_ids) {
    RunPtr run = d_.catalog.Run(id);
    if (!run) return NotFound("Run '" + id + "' not found");
    RETURN_IF_ERROR(d_.auth.Can(c.caller, Verb::kGet, "trainingruns", run->ns));
    store::HistoryRequest request;
    request.run_id = id;
    request.key = key;
    if (start_step) request.min_step = *start_step;
    if (end_step) request.max_step = *end_step;
    std::vector<store::Sample> samples;
    do {
      ASSIGN_OR_RETURN(store::HistoryPage page, d_.metrics.History(request));
      samples.insert(samples.end(), page.samples.begin(), page.samples.end());
      request.page_token = page.next_page_token;
    } while (!request.page_token.empty());
    // More points than asked for: evenly spaced ones, first and last kept,
    // as the UI draws a curve from them.
    const size_t n = samples.size(), want = static_cast<size_t>(limit);
    for (size_t i = 0; i < std::min(n, want); ++i) {
      const size_t at = n <= want ? i : (want == 1 ? n - 1 : i * (n - 1) / (want - 1));
      json m = MetricJson(key, samples[at]);
      m["run_id"] = id;
      metrics.push_back(std::move(m));
    }
  }
  return json{{"metrics", std::move(metrics)}};
}

}  // namespace runledger::tracking::internal
