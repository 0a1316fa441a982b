// RetentionReconciler: carries out RetentionPolicies. For each policy whose
// pass is due (retention_status.h: spec changed, interrupted, or scheduled)
// it gathers the governed Experiments and their runs from the caches, lists
// each Experiment's artifacts in its object store (one paginated listing of
// the Experiment's prefix, grouped by run id; store/artifact_layout.h),
// decides (DecideRetention), and then, unless dryRun:
//
//   1. records the intent (status.pass) when anything is to be done;
//   2. transitions: rewrites each object not yet in the target class in
//      place (S3 only); deletes: DeleteObjects in batches of up to
//      `delete_batch` keys across runs, an Event on the policy per batch;
//      a run is recorded (status.artifacts) as soon as its objects are done;
//   3. writes the policy status (counts, next run, conditions) without
//      status.pass.
//
// Every finished run's status.artifacts gets its tier, expiresAt, storage
// class and size (also in a dry run: they say what the policy decides), each
// written only when it changed, as a merge patch of those fields alone.
//
// Governed Experiments: those in the policy's namespace whose
// spec.retentionPolicyRef names it, and those its spec.experimentSelector
// matches that name no policy. An Experiment selected by several policies
// and naming none is governed by none of them (deleting under two rule sets
// is never what was meant); each of those policies says so in its Ready
// condition message. Runs are matched to their listing by status.runId;
// objects of run ids no TrainingRun has are never touched.
//
// Errors: a spec the parser refuses is Stalled (InvalidSpec) until the
// policy changes; an object store that fails (down, throttling past the
// client's retries, denied) sets Ready False (ObjectStoreUnavailable) with
// status.pass kept, and the pass is tried again after `retry_after`,
// resuming where the store left off; a failed Kubernetes write fails the
// reconcile (the controller retries it with backoff).
//
// Thread-safety and lifetime as TrainingRunReconciler.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "base/clock.h"
#include "base/mutex.h"
#include "kube/client.h"
#include "runtime/controller.h"
#include "runtime/events.h"
#include "runtime/informer.h"
#include "store/object_store.h"
#include "store/object_stores.h"

namespace runledger::controllers {

class RetentionReconciler {
 public:
  struct Deps {
    kube::Client& client;
    runtime::Informer& policies;
    runtime::Informer& experiments;
    runtime::Informer& runs;  // With AddRunIndexes.
    runtime::EventRecorder& events;
    // The operator's own store (Experiments without spec.artifactStore),
    // its URI (for status.artifacts.uri), and the others by URI.
    store::ObjectStore& default_store;
    std::string default_store_uri;
    store::ObjectStores& stores;
    const Clock& clock;
    size_t delete_batch = 1000;  // Keys per DeleteObjects call (S3's maximum).
    // How soon a pass the object store failed is tried again. The S3 client
    // has already retried transient errors; this is for an outage.
    std::chrono::seconds retry_after{30};
    // Called after each delete batch (tests use it to crash there).
    std::function<void()> after_delete_batch;
  };
  explicit RetentionReconciler(Deps deps) : d_(std::move(deps)) {}

  Result<runtime::Action> Reconcile(const runtime::ReconcileRequest& request);
  // Policies only: a pass reads Experiments and runs as they are then, and
  // a change to them makes no pass due (it waits for the schedule).
  void Watch(runtime::Controller& controller);

  // The state of one pass (retention_reconciler.cpp).
  struct Pass;

 private:
  Status Gather(Pass& pass);
  Status Act(Pass& pass);
  Status Record(Pass& pass);

  struct Finished {
    int64_t generation = 0;
    Clock::SystemTime at;
  };

  Deps d_;
  Mutex mu_;
  std::map<std::string, Finished> finished_ GUARDED_BY(mu_);  // By key: the last pass done.
};

}  // namespace runledger::controllers
