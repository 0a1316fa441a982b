#include "app/controller_set.h"

#include <algorithm>

namespace runledger::app {

runtime::Controller& ControllerSet::Add(const std::string& name, runtime::ReconcileFunc reconcile,
                                        int workers) {
  runtime::ControllerOptions options;
  options.workers = workers;
  members_.push_back(
      std::make_unique<Member>(registry_, name, std::move(reconcile), clock_, options));
  return members_.back()->controller;
}

void ControllerSet::Start() {
  for (auto& m : members_) m->controller.Start();
}

bool ControllerSet::Stop(std::chrono::nanoseconds grace) {
  for (auto& m : members_) m->controller.ShutDown();
  const auto deadline = clock_.SteadyNow() + grace;
  bool drained = true;
  for (auto& m : members_) {
    const auto remaining = std::max<std::chrono::nanoseconds>(deadline - clock_.SteadyNow(), {});
    drained &= m->controller.Stop(remaining);
  }
  return drained;
}

}  // namespace runledger::app
