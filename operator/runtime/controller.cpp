#include "runtime/controller.h"

#include <cstdio>
#include <exception>

#include "kube/json_fields.h"

namespace runledger::runtime {

using nlohmann::json;

bool IsTerminal(const Status& error) {
  return error.code() == Code::kInvalidArgument || error.code() == Code::kFailedPrecondition;
}

Controller::Controller(std::string name, ReconcileFunc reconcile, const Clock& clock,
                       ControllerOptions options, ControllerObserver* observer,
                       QueueObserver* queue_observer)
    : name_(std::move(name)),
      reconcile_(std::move(reconcile)),
      clock_(clock),
      options_(options),
      observer_(observer),
      log_(name_),
      queue_(clock, options.queue, queue_observer) {}

Controller::~Controller() { Stop(std::chrono::seconds(0)); }

void Controller::For(Informer& informer) {
  informer.AddHandler([this](const CacheChange& change) {
    queue_.Add(ObjectKey::Of(*change.new_object).String());
  });
}

void Controller::Owns(Informer& informer, std::string owner_api_version, std::string owner_kind) {
  informer.AddHandler([this, api = std::move(owner_api_version),
                       kind = std::move(owner_kind)](const CacheChange& change) {
    const json& meta = kube::ObjectField(*change.new_object, "metadata");
    auto refs = meta.find("ownerReferences");
    if (refs == meta.end() || !refs->is_array()) return;
    for (const json& ref : *refs) {
      if (!kube::BoolField(ref, "controller")) continue;
      if (kube::StringField(ref, "apiVersion") != api || kube::StringField(ref, "kind") != kind) {
        continue;
      }
      queue_.Add(
          ObjectKey{kube::StringField(meta, "namespace"), kube::StringField(ref, "name")}.String());
    }
  });
}

bool GenerationChanged(const CacheChange& change) {
  if (change.type != CacheChange::Type::kUpdated || !change.old_object) return true;
  auto generation = [](const json& o) {
    return kube::IntField(kube::ObjectField(o, "metadata"), "generation");
  };
  return generation(*change.old_object) != generation(*change.new_object);
}

void Controller::Watches(Informer& informer, std::function<std::vector<ObjectKey>(const json&)> map,
                         ChangePredicate predicate) {
  informer.AddHandler(
      [this, map = std::move(map), predicate = std::move(predicate)](const CacheChange& change) {
        if (predicate && !predicate(change)) return;
        std::vector<ObjectKey> keys = map(*change.new_object);
        // A change may move an object from one owner to another: tell both.
        if (change.old_object) {
          for (auto& k : map(*change.old_object)) keys.push_back(std::move(k));
        }
        for (const auto& key : keys) queue_.Add(key.String());
      });
}

void Controller::Start() {
  if (started_) return;
  started_ = true;
  for (int i = 0; i < std::max(options_.workers, 1); ++i) {
    workers_.emplace_back([this] { Worker(); });
  }
}

bool Controller::Stop(std::chrono::nanoseconds grace) {
  queue_.ShutDown();
  const bool idle = queue_.WaitIdle(grace);
  if (!idle) {
    log_.Warn("reconciles still running after the shutdown grace period", {{"controller", name_}});
    // Workers hold references to this object: they must finish before it
    // goes away, so wait for them regardless.
  }
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  return idle;
}

void Controller::Worker() {
  while (auto key = queue_.Get()) {
    if (observer_) observer_->OnActiveWorkers(++active_);
    Process(*key);
    if (observer_) observer_->OnActiveWorkers(--active_);
    queue_.Done(*key);
  }
}

void Controller::Process(const std::string& key) {
  char id[17];
  std::snprintf(id, sizeof id, "%016llx",
                static_cast<unsigned long long>(next_id_.fetch_add(1) * 0x9e3779b97f4a7c15ULL));
  const ReconcileRequest request{ObjectKey::Parse(key), id};
  const log::Fields fields{{"controller", name_},
                           {"namespace", request.key.ns},
                           {"name", request.key.name},
                           {"reconcileID", request.reconcile_id}};
  const auto started = clock_.SteadyNow();
  Result<Action> result = Internal("reconcile did not run");
  try {
    result = reconcile_(request);
  } catch (const std::exception& e) {
    result = Internal(std::string("reconcile threw: ") + e.what());
  } catch (...) {
    result = Internal("reconcile threw a non-standard exception");
  }
  const auto took = clock_.SteadyNow() - started;
  std::string_view outcome;
  if (result.ok()) {
    queue_.Forget(key);
    if (result->requeue_after) {
      queue_.AddAfter(key, *result->requeue_after);
      outcome = "requeue_after";
    } else {
      outcome = "success";
    }
  } else if (IsTerminal(result.status())) {
    // The reconcile has surfaced it as a condition; wait for a change.
    queue_.Forget(key);
    outcome = "error";
    log_.Warn("terminal error; waiting for the object to change", [&] {
      auto f = fields;
      f.push_back({"error", result.status().ToString()});
      return f;
    }());
  } else {
    queue_.AddRateLimited(key);
    outcome = "error";
    // Another writer (the tracking API, a user) changed the object between
    // read and write: routine with shared status, so no error in the log.
    const bool conflict = result.status().code() == Code::kConflict;
    const auto write = conflict ? &log::Logger::Info : &log::Logger::Error;
    (log_.*write)(conflict ? "object changed while reconciling; retrying"
                           : "reconcile failed; retrying with backoff",
                  [&] {
                    auto f = fields;
                    f.push_back({"error", result.status().ToString()});
                    f.push_back({"retries", std::to_string(queue_.NumRequeues(key))});
                    return f;
                  }());
  }
  if (observer_) observer_->OnReconcile(outcome, took);
}

}  // namespace runledger::runtime
