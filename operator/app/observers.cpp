#include "app/observers.h"

#include "metrics/buckets.h"

namespace runledger::app {

namespace {
double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

ControllerMetrics::ControllerMetrics(metrics::Registry& r, const std::string& controller)
    : total_(r.Counter("controller_runtime_reconcile_total",
                       "Total number of reconciliations per controller.",
                       {"controller", "result"})),
      controller_(controller),
      errors_(r.Counter("controller_runtime_reconcile_errors_total",
                        "Total number of reconciliation errors per controller.", {"controller"})
                  .WithLabels({controller})),
      time_(r.Histogram("controller_runtime_reconcile_time_seconds",
                        "Length of time per reconciliation per controller.", {"controller"},
                        metrics::ExponentialBuckets(0.005, 2, 15))
                .WithLabels({controller})),
      active_(r.Gauge("controller_runtime_active_workers",
                      "Number of currently used workers per controller.", {"controller"})
                  .WithLabels({controller})) {
  // Every result appears from the start, as 0.
  for (const char* result : {"success", "error", "requeue_after"}) {
    total_.WithLabels({controller_, result});
  }
}

void ControllerMetrics::OnReconcile(std::string_view result, std::chrono::nanoseconds took) {
  total_.WithLabels({controller_, std::string(result)}).Inc();
  if (result == "error") errors_.Inc();
  time_.Observe(Seconds(took));
}

void ControllerMetrics::OnActiveWorkers(int count) { active_.Set(count); }

QueueMetrics::QueueMetrics(metrics::Registry& r, const std::string& name)
    : adds_(
          r.Counter("workqueue_adds_total", "Total number of adds handled by workqueue.", {"name"})
              .WithLabels({name})),
      retries_(r.Counter("workqueue_retries_total", "Total number of retries handled by workqueue.",
                         {"name"})
                   .WithLabels({name})),
      depth_(
          r.Gauge("workqueue_depth", "Current depth of workqueue.", {"name"}).WithLabels({name})),
      queue_duration_(r.Histogram("workqueue_queue_duration_seconds",
                                  "How long in seconds an item stays in workqueue before being "
                                  "requested.",
                                  {"name"}, metrics::ExponentialBuckets(1e-8, 10, 11))
                          .WithLabels({name})),
      work_duration_(r.Histogram("workqueue_work_duration_seconds",
                                 "How long in seconds processing an item from workqueue takes.",
                                 {"name"}, metrics::ExponentialBuckets(1e-8, 10, 11))
                         .WithLabels({name})) {}

void QueueMetrics::OnQueueLatency(std::chrono::nanoseconds d) {
  queue_duration_.Observe(Seconds(d));
}
void QueueMetrics::OnWorkDuration(std::chrono::nanoseconds d) {
  work_duration_.Observe(Seconds(d));
}

std::function<void(std::string_view, int)> RestClientMetrics(metrics::Registry& r,
                                                             std::string host) {
  auto& family = r.Counter("rest_client_requests_total",
                           "Number of HTTP requests, partitioned by status code, method, and host.",
                           {"code", "method", "host"});
  return [&family, host = std::move(host)](std::string_view method, int status) {
    family.WithLabels({status == 0 ? "<error>" : std::to_string(status), std::string(method), host})
        .Inc();
  };
}

}  // namespace runledger::app
