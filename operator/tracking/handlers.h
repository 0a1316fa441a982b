// The endpoints of the tracking API, one method each (internal to
// operator/tracking: api.cpp routes to them). Split by subject:
// experiments_handlers.cpp, runs_handlers.cpp, search_handlers.cpp,
// metrics_handlers.cpp.
//
// Each gets the call's parameters and its authenticated caller and returns
// MLflow's answer object or an error Status (api.cpp renders both).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "http/message.h"
#include "tracking/api.h"
#include "tracking/ingest.h"
#include "tracking/request_args.h"

namespace runledger::tracking::internal {

// Milliseconds since the Unix epoch, MLflow's unit of time.
inline int64_t NowMillis(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.SystemNow().time_since_epoch())
      .count();
}

struct Call {
  const RequestArgs& args;
  const Caller& caller;
  const http::Request& request;
};

class Handlers {
 public:
  explicit Handlers(const TrackingDeps& deps) : d_(deps) {}

  // experiments_handlers.cpp
  Result<nlohmann::json> CreateExperiment(const Call& c);
  Result<nlohmann::json> GetExperiment(const Call& c);
  Result<nlohmann::json> GetExperimentByName(const Call& c);
  Result<nlohmann::json> UpdateExperiment(const Call& c);
  Result<nlohmann::json> DeleteExperiment(const Call& c);
  Result<nlohmann::json> RestoreExperiment(const Call& c);
  Result<nlohmann::json> SetExperimentTag(const Call& c);

  // runs_handlers.cpp
  Result<nlohmann::json> CreateRun(const Call& c);
  Result<nlohmann::json> GetRun(const Call& c);
  Result<nlohmann::json> UpdateRun(const Call& c);
  Result<nlohmann::json> DeleteRun(const Call& c);
  Result<nlohmann::json> RestoreRun(const Call& c);
  Result<nlohmann::json> LogParam(const Call& c);
  Result<nlohmann::json> SetTag(const Call& c);
  Result<nlohmann::json> DeleteTag(const Call& c);
  Result<nlohmann::json> LogInputs(const Call& c);

  // search_handlers.cpp
  Result<nlohmann::json> SearchExperiments(const Call& c);
  Result<nlohmann::json> SearchRuns(const Call& c);
  Result<nlohmann::json> SearchLoggedModels(const Call& c);

  // metrics_handlers.cpp
  Result<nlohmann::json> LogBatch(const Call& c);
  Result<nlohmann::json> LogMetric(const Call& c);
  Result<nlohmann::json> GetMetricHistory(const Call& c);
  Result<nlohmann::json> GetMetricHistoryBulkInterval(const Call& c);

 private:
  // The experiment `id` as `caller` sees it ("0": the Default of its
  // namespace, made on first use), after checking it may `verb` it.
  Result<ExperimentPtr> ExperimentFor(const Caller& caller, const std::string& id, Verb verb);
  // The Default experiment of `ns`, created if missing.
  Result<ExperimentPtr> EnsureDefault(const std::string& ns);
  // The run named by run_id (or run_uuid), after checking `caller` may read
  // it (write = false) or write it.
  Result<RunPtr> RunFor(const Call& c, bool write);
  // log-parameter and set-tag: one key and value into `field` of a batch,
  // checked by `validate`.
  Result<nlohmann::json> LogKeyValue(const Call& c, std::vector<KeyValue> LogBatchRequest::*field,
                                     Status (*validate)(const KeyValue&));
  // log-batch and log-metric once parsed: the run is found and the caller
  // checked before anything is stored.
  Result<nlohmann::json> LogParsed(const Call& c, Result<LogBatchRequest> parsed);
  // Stores metrics, params and tags of one write; the run is checked.
  Status Log(const RunRecord& run, const LogBatchRequest& batch, std::string idempotency_id);
  Result<RunPtr> SetLifecycle(const Call& c, const char* stage);
  Result<ExperimentPtr> SetExperimentLifecycle(const Call& c, const char* stage);
  nlohmann::json RunAnswer(const RunRecord& run);

  const TrackingDeps d_;
};

}  // namespace runledger::tracking::internal
