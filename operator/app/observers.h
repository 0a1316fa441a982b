// Prometheus metrics for the runtime, under controller-runtime's names, so
// dashboards and alerts written for Go operators work unchanged:
//   controller_runtime_reconcile_total{controller,result}
//   controller_runtime_reconcile_errors_total{controller}
//   controller_runtime_reconcile_time_seconds{controller}  (histogram)
//   controller_runtime_active_workers{controller}
//   workqueue_{depth,adds_total,retries_total}{name}
//   workqueue_{queue,work}_duration_seconds{name}            (histograms)
//   rest_client_requests_total{code,method,host}
//   leader_election_master_status{name}
#pragma once

#include <string>

#include "metrics/registry.h"
#include "runtime/controller.h"
#include "runtime/work_queue.h"

namespace runledger::app {

class ControllerMetrics final : public runtime::ControllerObserver {
 public:
  ControllerMetrics(metrics::Registry& registry, const std::string& controller);
  void OnReconcile(std::string_view result, std::chrono::nanoseconds took) override;
  void OnActiveWorkers(int count) override;

 private:
  metrics::CounterFamily& total_;
  const std::string controller_;
  metrics::Counter& errors_;
  metrics::Histogram& time_;
  metrics::Gauge& active_;
};

class QueueMetrics final : public runtime::QueueObserver {
 public:
  QueueMetrics(metrics::Registry& registry, const std::string& name);
  void OnAdd() override { adds_.Inc(); }
  void OnRetry() override { retries_.Inc(); }
  void OnDepth(size_t depth) override { depth_.Set(static_cast<double>(depth)); }
  void OnQueueLatency(std::chrono::nanoseconds d) override;
  void OnWorkDuration(std::chrono::nanoseconds d) override;

 private:
  metrics::Counter& adds_;
  metrics::Counter& retries_;
  metrics::Gauge& depth_;
  metrics::Histogram& queue_duration_;
  metrics::Histogram& work_duration_;
};

// The on_response hook for kube::Client::Options.
std::function<void(std::string_view, int)> RestClientMetrics(metrics::Registry& registry,
                                                             std::string host);

}  // namespace runledger::app
