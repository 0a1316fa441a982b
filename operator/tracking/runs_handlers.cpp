// The runs/* endpoints other than the metric writes (metrics_handlers.cpp).
#include <set>

#include "tracking/handlers.h"
#include "tracking/mlflow_json.h"
#include "tracking/records.h"
#include "tracking/validation.h"

namespace runledger::tracking::internal {
namespace {

using nlohmann::json;

constexpr const char* kParentTag = "mlflow.parentRunId";
constexpr const char* kRunNameTag = "mlflow.runName";

bool IsRunStatus(std::string_view s) {
  return s == kRunning || s == kScheduled || s == kFinished || s == kFailed || s == kKilled;
}

}  // namespace

json Handlers::RunAnswer(const RunRecord& run) {
  auto latest = d_.latest.Points(run.run_id);
  return json{{"run", RunJson(run, latest.ok() ? *latest : std::vector<store::Point>{})}};
}

Result<RunPtr> Handlers::RunFor(const Call& c, bool write) {
  ASSIGN_OR_RETURN(std::string id, c.args.RequiredOneOf({"run_id", "run_uuid"}));
  RunPtr run = d_.catalog.Run(id);
  if (!run) return NotFound("Run '" + id + "' not found");
  if (write) {
    RETURN_IF_ERROR(d_.auth.CanWriteRun(c.caller, *run));
    if (run->lifecycle_stage != kActive) {
      return InvalidArgument("The run " + id + " must be in the 'active' state. Current state is " +
                             run->lifecycle_stage + ".");
    }
  } else {
    RETURN_IF_ERROR(d_.auth.Can(c.caller, Verb::kGet, "trainingruns", run->ns));
  }
  return run;
}

Result<json> Handlers::CreateRun(const Call& c) {
  ASSIGN_OR_RETURN(std::string experiment_id, c.args.String("experiment_id"));
  if (experiment_id.empty()) experiment_id = std::string(kDefaultExperimentId);
  ASSIGN_OR_RETURN(auto tags, c.args.KeyValues("tags"));
  for (const auto& t : tags) RETURN_IF_ERROR(ValidateTag(t));
  NewRun run;
  ASSIGN_OR_RETURN(run.run_name, c.args.String("run_name"));
  ASSIGN_OR_RETURN(run.user_id, c.args.String("user_id"));
  ASSIGN_OR_RETURN(auto start, c.args.Int("start_time"));
  run.start_time_ms = start.value_or(NowMillis(d_.clock));
  RunPtr parent;
  for (const auto& [k, v] : tags) {
    if (k == kRunNameTag && run.run_name.empty()) run.run_name = v;
    if (k == kParentTag) {
      parent = d_.catalog.Run(v);
      if (!parent) return NotFound("Run '" + v + "' not found (tag " + kParentTag + ")");
    }
  }
  if (run.run_name.size() > kMaxRunNameLength) {
    return InvalidArgument("Run name exceeds the maximum length of " +
                           std::to_string(kMaxRunNameLength) + " characters.");
  }
  ExperimentPtr e = d_.catalog.Experiment(experiment_id, c.caller.ns);
  if (!e && experiment_id == kDefaultExperimentId) {
    ASSIGN_OR_RETURN(e, EnsureDefault(c.caller.run ? c.caller.run->ns : c.caller.ns));
  }
  if (!e) return NotFound("No Experiment with id=" + experiment_id + " exists");
  if (e->lifecycle_stage != kActive) {
    return InvalidArgument("The experiment " + experiment_id +
                           " must be in the 'active' state. Current state is deleted.");
  }
  if (parent && parent->ns != e->ns) {
    return InvalidArgument("The parent run " + parent->run_id +
                           " is in another namespace than experiment " + experiment_id + ".");
  }
  RETURN_IF_ERROR(d_.auth.CanCreateRun(c.caller, e->ns, e->resource_name, parent.get()));
  run.ns = e->ns;
  run.experiment_resource = e->resource_name;
  if (parent) run.parent_name = parent->name;
  run.tags = std::move(tags);
  if (!run.run_name.empty()) run.tags.emplace_back(kRunNameTag, run.run_name);
  ASSIGN_OR_RETURN(RunPtr created, d_.writer.CreateRun(run));
  return RunAnswer(*created);
}

Result<json> Handlers::GetRun(const Call& c) {
  ASSIGN_OR_RETURN(RunPtr run, RunFor(c, /*write=*/false));
  return RunAnswer(*run);
}

Result<json> Handlers::UpdateRun(const Call& c) {
  ASSIGN_OR_RETURN(RunPtr run, RunFor(c, /*write=*/true));
  ASSIGN_OR_RETURN(std::string status, c.args.String("status"));
  ASSIGN_OR_RETURN(auto end_time, c.args.Int("end_time"));
  ASSIGN_OR_RETURN(std::string run_name, c.args.String("run_name"));
  if (!status.empty() && !IsRunStatus(status)) {
    return InvalidArgument("Invalid value '" + status +
                           "' for parameter 'status': must be one of RUNNING, SCHEDULED, "
                           "FINISHED, FAILED, KILLED.");
  }
  if (run_name.size() > kMaxRunNameLength) {
    return InvalidArgument("Run name exceeds the maximum length of " +
                           std::to_string(kMaxRunNameLength) + " characters.");
  }
  ASSIGN_OR_RETURN(RunPtr updated, d_.writer.UpdateRun(*run, [&](const RunRecord&, json& patch) {
    if (!status.empty()) patch["status"] = status;
    if (end_time) patch["endTimeMs"] = *end_time;
    if (!run_name.empty()) {
      patch["runName"] = run_name;
      patch["tags"][kRunNameTag] = run_name;
    }
    return Status::Ok();
  }));
  if (status == kFinished || status == kFailed || status == kKilled)
    d_.summarizer.Finished(updated->run_id);
  return json{{"run_info", RunInfoJson(*updated)}};
}

Result<RunPtr> Handlers::SetLifecycle(const Call& c, const char* stage) {
  ASSIGN_OR_RETURN(std::string id, c.args.RequiredOneOf({"run_id", "run_uuid"}));
  RunPtr run = d_.catalog.Run(id);
  if (!run) return NotFound("Run '" + id + "' not found");
  RETURN_IF_ERROR(d_.auth.CanWriteRun(c.caller, *run));
  return d_.writer.UpdateRun(*run, [&](const RunRecord&, json& patch) {
    patch["lifecycleStage"] = stage;
    return Status::Ok();
  });
}

Result<json> Handlers::DeleteRun(const Call& c) {
  RETURN_IF_ERROR(SetLifecycle(c, kDeleted).status());
  return json::object();
}

Result<json> Handlers::RestoreRun(const Call& c) {
  RETURN_IF_ERROR(SetLifecycle(c, kActive).status());
  return json::object();
}

Result<json> Handlers::LogKeyValue(const Call& c, std::vector<KeyValue> LogBatchRequest::*field,
                                   Status (*validate)(const KeyValue&)) {
  ASSIGN_OR_RETURN(RunPtr run, RunFor(c, /*write=*/true));
  KeyValue entry;
  ASSIGN_OR_RETURN(entry.first, c.args.Required("key"));
  ASSIGN_OR_RETURN(entry.second, c.args.String("value"));
  RETURN_IF_ERROR(validate(entry));
  LogBatchRequest batch;
  (batch.*field).push_back(std::move(entry));
  RETURN_IF_ERROR(Log(*run, batch, ""));
  return json::object();
}

Result<json> Handlers::LogParam(const Call& c) {
  return LogKeyValue(c, &LogBatchRequest::params, ValidateParam);
}

Result<json> Handlers::SetTag(const Call& c) {
  return LogKeyValue(c, &LogBatchRequest::tags, ValidateTag);
}

Result<json> Handlers::DeleteTag(const Call& c) {
  ASSIGN_OR_RETURN(RunPtr run, RunFor(c, /*write=*/true));
  ASSIGN_OR_RETURN(std::string key, c.args.Required("key"));
  RETURN_IF_ERROR(d_.writer
                      .UpdateRun(*run,
                                 [&](const RunRecord& current, json& patch) {
                                   if (!current.tags.count(key)) {
                                     return NotFound("No tag with name: " + key +
                                                     " in run with id " + current.run_id);
                                   }
                                   patch["tags"][key] = nullptr;
                                   return Status::Ok();
                                 })
                      .status());
  return json::object();
}

Result<json> Handlers::LogInputs(const Call& c) {
  // Dataset inputs are accepted so that mlflow.log_input works; runledger
  // records datasets in the TrainingRun (spec.dataset) instead.
  RETURN_IF_ERROR(RunFor(c, /*write=*/true).status());
  return json::object();
}

}  // namespace runledger::tracking::internal
