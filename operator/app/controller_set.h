// ControllerSet: the operator's controllers, each with its Prometheus
// metrics (observers.h), started together once this replica leads and
// stopped together under one grace period.
//
//   ControllerSet controllers(registry, clock);
//   runtime::Controller& runs = controllers.Add("trainingrun", reconcile, 4);
//   reconciler.Watch(runs);
//   ...
//   controllers.Start();                       // on becoming the leader
//   if (!controllers.Stop(grace)) log.Warn(...);
//
// Thread-safety: Add before Start, from one thread; Start and Stop from one
// thread (Start may run on the leader elector's).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "app/observers.h"
#include "base/clock.h"
#include "metrics/registry.h"
#include "runtime/controller.h"

namespace runledger::app {

class ControllerSet {
 public:
  ControllerSet(metrics::Registry& registry, const Clock& clock)
      : registry_(registry), clock_(clock) {}

  // A controller named `name` (also its metrics' controller and queue
  // label) with `workers` workers. The reference stays valid as long as the
  // set does.
  runtime::Controller& Add(const std::string& name, runtime::ReconcileFunc reconcile, int workers);

  void Start();
  // Every controller stops taking work at once, then each waits for its
  // reconciles in flight within what is left of `grace`. False if some were
  // still running when it ran out.
  bool Stop(std::chrono::nanoseconds grace);

 private:
  // The controller reports to the metrics beside it (declared, so built,
  // before it).
  struct Member {
    Member(metrics::Registry& registry, const std::string& name, runtime::ReconcileFunc reconcile,
           const Clock& clock, runtime::ControllerOptions options)
        : metrics(registry, name),
          queue_metrics(registry, name),
          controller(name, std::move(reconcile), clock, options, &metrics, &queue_metrics) {}
    ControllerMetrics metrics;
    QueueMetrics queue_metrics;
    runtime::Controller controller;
  };
  metrics::Registry& registry_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Member>> members_;
};

}  // namespace runledger::app
