#include "tracking/api.h"

#include <map>
#include <memory>

#include "tracking/error_json.h"
#include "tracking/handlers.h"

namespace runledger::tracking {
namespace {

using internal::Call;
using internal::Handlers;
using nlohmann::json;
using Method = Result<json> (Handlers::*)(const Call&);

struct Endpoint {
  // Implicit, so that the table below lists plain methods.
  Endpoint(Method m, bool own_body = false) : method(m), parses_own_body(own_body) {}
  Method method;
  // The hot path (log-batch, log-metric) parses its body itself with
  // simdjson: reading it into RequestArgs with nlohmann first would cost
  // more than the whole write.
  bool parses_own_body;
};

// Every endpoint, by its path below the API prefix. MLflow fixes a method
// per endpoint; both GET (query parameters) and POST (a JSON body) are
// taken for each, as clients differ (the UI GETs what the client POSTs).
const std::map<std::string, Endpoint, std::less<>>& Endpoints() {
  static const auto* endpoints = new std::map<std::string, Endpoint, std::less<>>{
      {"experiments/create", &Handlers::CreateExperiment},
      {"experiments/get", &Handlers::GetExperiment},
      {"experiments/get-by-name", &Handlers::GetExperimentByName},
      {"experiments/update", &Handlers::UpdateExperiment},
      {"experiments/delete", &Handlers::DeleteExperiment},
      {"experiments/restore", &Handlers::RestoreExperiment},
      {"experiments/set-experiment-tag", &Handlers::SetExperimentTag},
      {"experiments/search", &Handlers::SearchExperiments},
      {"runs/create", &Handlers::CreateRun},
      {"runs/get", &Handlers::GetRun},
      {"runs/update", &Handlers::UpdateRun},
      {"runs/delete", &Handlers::DeleteRun},
      {"runs/restore", &Handlers::RestoreRun},
      {"runs/log-metric", {&Handlers::LogMetric, true}},
      {"runs/log-parameter", &Handlers::LogParam},
      {"runs/set-tag", &Handlers::SetTag},
      {"runs/delete-tag", &Handlers::DeleteTag},
      {"runs/log-batch", {&Handlers::LogBatch, true}},
      {"runs/log-inputs", &Handlers::LogInputs},
      {"runs/search", &Handlers::SearchRuns},
      {"metrics/get-history", &Handlers::GetMetricHistory},
      {"metrics/get-history-bulk-interval", &Handlers::GetMetricHistoryBulkInterval},
      {"logged-models/search", &Handlers::SearchLoggedModels},
  };
  return *endpoints;
}

// The largest body a tracking call may have: a full log-batch of 100
// params of 6000 bytes and 100 tags of 8000 is about 1.5 MB as JSON.
constexpr size_t kMaxBodyBytes = 4u << 20;
// The largest artifact one upload may bring (a model checkpoint); uploads
// are streamed, so this bounds the store, not memory.
constexpr uint64_t kMaxArtifactBytes = uint64_t{64} << 30;

http::Response Serve(Handlers& handlers, Authorizer& auth, size_t prefix_length,
                     const http::Request& request) {
  const std::string_view endpoint = std::string_view(request.path).substr(prefix_length);
  const auto it = Endpoints().find(endpoint);
  if (it == Endpoints().end()) {
    return MlflowError("ENDPOINT_NOT_FOUND",
                       "No API endpoint " + request.method + " " + request.path + ".");
  }
  const bool query = request.method == "GET" || request.method == "HEAD";
  Result<RequestArgs> args = query                        ? RequestArgs::FromQuery(request.query)
                             : it->second.parses_own_body ? RequestArgs::FromQuery("")
                                                          : RequestArgs::FromJson(request.body);
  if (!args.ok()) return MlflowError(args.status());
  auto caller = auth.Authenticate(request.Header("Authorization"));
  if (!caller.ok()) return MlflowError(caller.status());
  Result<json> answer = (handlers.*(it->second.method))(Call{*args, *caller, request});
  if (!answer.ok()) return MlflowError(answer.status());
  // Logged values may hold bytes that are not UTF-8: replace, never throw.
  return http::JsonResponse(200, answer->dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

void RegisterTrackingRoutes(http::Server& server, const TrackingDeps& deps) {
  auto handlers = std::make_shared<Handlers>(deps);
  http::RouteOptions options;
  options.max_body_bytes = kMaxBodyBytes;
  // No token at all: answered before the body is read.
  options.on_headers = [](const http::Request& request) -> std::optional<http::Response> {
    if (request.HasHeader("Authorization")) return std::nullopt;
    return MlflowError(Status(Code::kUnauthenticated,
                              "No bearer token: set MLFLOW_TRACKING_TOKEN to a run's token or a "
                              "Kubernetes ServiceAccount token."));
  };
  for (const std::string prefix : {"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"}) {
    auto handler = [handlers, &auth = deps.auth, n = prefix.size()](const http::Request& r) {
      return Serve(*handlers, auth, n, r);
    };
    server.HandlePrefix("GET", prefix, handler, options);
    server.HandlePrefix("POST", prefix, handler, options);
  }
  artifacts::RegisterArtifactRoutes(server, deps.artifacts.Deps(kMaxArtifactBytes));
}

}  // namespace runledger::tracking
