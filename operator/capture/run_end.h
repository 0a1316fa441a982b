// ReportRunEnd: what runledger-capture tells the tracking API once the
// trainer has ended and its metrics are flushed (docs/capture.md, "At the
// end of the run"):
//   1. PUT .../mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/runledger/env.json
//      the full environment capture (the summary, untruncated);
//   2. PUT .../runledger/requirements.txt: the Python packages the probes
//      listed, one "name==version" line each (pip freeze's form), when any;
//   3. POST .../mlflow/runs/update {"run_id", "status", "end_time"}.
// Each call is retried (Deliver) until `deadline`; a call refused or given
// up is reported on stderr and the next one is still made. Artifacts need
// MLFLOW_EXPERIMENT_ID and a summary (none with --no-probes).
//
// Thread-safety: none; call from the main thread after the pusher finished.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.h"
#include "capture/collect_config.h"
#include "capture/delivery.h"
#include "capture/http_client.h"
#include "capture/summary.h"

namespace runledger::capture {

// MLflow's run status for how the command ended: exit 0 FINISHED, another
// exit code FAILED, killed by a signal KILLED (MLflow's status for a run
// that was stopped rather than one that failed by itself).
std::string MlflowRunStatus(int wait_status);

// "name==version\n" per package, sorted by name.
std::string RequirementsText(const CaptureSummary& summary);

void ReportRunEnd(HttpClient& client, const CollectConfig& config,
                  const std::optional<CaptureSummary>& summary, int wait_status,
                  int64_t end_time_ms, Clock::SteadyTime deadline, const Clock& clock,
                  Backoff& backoff);

}  // namespace runledger::capture
