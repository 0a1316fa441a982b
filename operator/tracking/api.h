// TrackingApi: MLflow's tracking REST API (docs/mlflow.md) over the
// catalog, the writer and the metric store, served on the operator's HTTP
// server under /api/2.0/mlflow/ and /ajax-api/2.0/mlflow/ (the prefix
// MLflow's web UI uses).
//
// Every request: bearer token → Caller (auth.h), then the endpoint, which
// authorises what it touches. Answers are MLflow's JSON; errors MLflow's
// {"error_code", "message"} with MLflow's HTTP status (error_json.h) — a
// user's mistake is a 4xx, never a 500, since the Python client retries
// 5xx for minutes.
//
// A metric write is acknowledged once the metric store has it durable. An
// identical log-batch sent again (a client retrying after a lost answer)
// is not stored twice: the store dedups by the Idempotency-Key header, or
// else by a hash of the body.
//
// Thread-safety: handlers run on the server's threads, many at once.
#pragma once

#include <string>

#include "base/clock.h"
#include "http/server.h"
#include "store/metric_store.h"
#include "tracking/auth.h"
#include "tracking/catalog.h"
#include "tracking/latest_values.h"
#include "tracking/run_artifacts.h"
#include "tracking/summarizer.h"
#include "tracking/writer.h"

namespace runledger::tracking {

struct TrackingDeps {
  Catalog& catalog;
  Writer& writer;
  Authorizer& auth;
  store::MetricStore& metrics;
  LatestValues& latest;
  StatusSummarizer& summarizer;
  RunArtifacts& artifacts;
  const Clock& clock;
};

// Adds the tracking routes and the proxied-artifact routes
// (artifacts/artifact_routes.h) to `server` (before it starts). `deps`
// must outlive the server.
void RegisterTrackingRoutes(http::Server& server, const TrackingDeps& deps);

}  // namespace runledger::tracking
