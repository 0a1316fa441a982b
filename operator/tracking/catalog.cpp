#include "tracking/catalog.h"

#include <charconv>

#include "kube/json_fields.h"
#include "tracking/records.h"

namespace runledger::tracking {
namespace {

using nlohmann::json;

std::string Key(std::string_view ns, std::string_view name) {
  return std::string(ns) + "/" + std::string(name);
}

// True when `incoming` may replace `held` (see the header).
bool Newer(const std::string& incoming, const std::string& held) {
  uint64_t a = 0, b = 0;
  const auto pa = std::from_chars(incoming.data(), incoming.data() + incoming.size(), a);
  const auto pb = std::from_chars(held.data(), held.data() + held.size(), b);
  const bool numeric = pa.ec == std::errc() && pa.ptr == incoming.data() + incoming.size() &&
                       pb.ec == std::errc() && pb.ptr == held.data() + held.size();
  return !numeric || a >= b;
}

}  // namespace

void Catalog::Attach(runtime::Informer& runs, runtime::Informer& experiments) {
  runs_informer_ = &runs;
  experiments_informer_ = &experiments;
  auto handler = [this](Kind kind) {
    return [this, kind](const runtime::CacheChange& change) {
      if (change.type == runtime::CacheChange::Type::kDeleted) {
        if (change.new_object) Forget(kind, *change.new_object);
      } else if (change.new_object) {
        Observe(kind, *change.new_object);
      }
    };
  };
  runs.AddHandler(handler(Kind::kRun));
  experiments.AddHandler(handler(Kind::kExperiment));
}

bool Catalog::Synced() const {
  return runs_informer_ && experiments_informer_ && runs_informer_->Synced() &&
         experiments_informer_->Synced();
}

void Catalog::Observe(Kind kind, const json& object) {
  if (kind == Kind::kRun) {
    PutRun(object);
  } else {
    PutExperiment(object);
  }
}

void Catalog::Forget(Kind kind, const json& object) {
  MutexLock lock(mu_);
  if (kind == Kind::kRun) {
    auto it = runs_.find(RunFromObject(object).run_id);
    if (it == runs_.end()) return;
    const RunPtr run = it->second;
    EraseRunLockHeld(*run);
    if (deleted_runs_.insert(run->run_id).second) deleted_order_.push_back(run->run_id);
    while (deleted_order_.size() > kDeletedRunsRemembered) {
      deleted_runs_.erase(deleted_order_.front());
      deleted_order_.pop_front();
    }
  } else {
    const ExperimentRecord e = ExperimentFromObject(object);
    auto it = experiments_.find(Key(e.ns, e.resource_name));
    if (it != experiments_.end()) EraseExperimentLockHeld(*it->second);
  }
}

void Catalog::PutRun(const json& object) {
  auto run = std::make_shared<RunRecord>(RunFromObject(object));
  if (run->run_id.empty()) return;
  MutexLock lock(mu_);
  if (deleted_runs_.count(run->run_id)) return;
  if (auto it = runs_.find(run->run_id); it != runs_.end()) {
    if (!Newer(run->resource_version, it->second->resource_version)) return;
    EraseRunLockHeld(*it->second);
  }
  run_names_[Key(run->ns, run->name)] = run->run_id;
  if (!run->token_hash.empty()) tokens_[run->token_hash] = run->run_id;
  ExperimentRuns& of = by_experiment_[Key(run->ns, run->experiment_ref)];
  of.runs[run->run_id] = run;
  of.list = nullptr;
  runs_[run->run_id] = std::move(run);
}

void Catalog::PutExperiment(const json& object) {
  auto e = std::make_shared<const ExperimentRecord>(ExperimentFromObject(object));
  MutexLock lock(mu_);
  const std::string key = Key(e->ns, e->resource_name);
  if (auto it = experiments_.find(key); it != experiments_.end()) {
    if (!Newer(e->resource_version, it->second->resource_version)) return;
    EraseExperimentLockHeld(*it->second);
  }
  if (e->experiment_id != kDefaultExperimentId) experiment_ids_[e->experiment_id] = key;
  experiments_[key] = std::move(e);
  // Its runs' records take the experiment id from it (WithExperimentLockHeld).
  if (auto it = by_experiment_.find(key); it != by_experiment_.end()) it->second.list = nullptr;
}

void Catalog::EraseRunLockHeld(const RunRecord& run) {
  const std::string id = run.run_id;  // `run` may be the record erased below.
  run_names_.erase(Key(run.ns, run.name));
  if (!run.token_hash.empty()) tokens_.erase(run.token_hash);
  if (auto it = by_experiment_.find(Key(run.ns, run.experiment_ref)); it != by_experiment_.end()) {
    it->second.runs.erase(id);
    it->second.list = nullptr;
    if (it->second.runs.empty()) by_experiment_.erase(it);
  }
  runs_.erase(id);
}

void Catalog::EraseExperimentLockHeld(const ExperimentRecord& e) {
  experiment_ids_.erase(e.experiment_id);
  const std::string key = Key(e.ns, e.resource_name);
  if (auto it = by_experiment_.find(key); it != by_experiment_.end()) it->second.list = nullptr;
  experiments_.erase(key);  // Last: `e` may live there.
}

std::string Catalog::ExperimentIdLockHeld(std::string_view ns, std::string_view ref) const {
  const auto it = experiments_.find(Key(ns, ref));
  return it == experiments_.end() ? "" : it->second->experiment_id;
}

RunPtr Catalog::WithExperimentLockHeld(RunPtr run) const {
  // A run created a moment ago has no status.experimentId yet: its
  // Experiment, looked up by reference, gives it.
  if (!run || !run->experiment_id.empty()) return run;
  std::string id = ExperimentIdLockHeld(run->ns, run->experiment_ref);
  if (id.empty()) return run;
  auto copy = std::make_shared<RunRecord>(*run);
  copy->experiment_id = std::move(id);
  copy->artifact_uri = RunArtifactUri(copy->experiment_id, copy->run_id);
  return copy;
}

RunPtr Catalog::Run(std::string_view run_id) const {
  MutexLock lock(mu_);
  const auto it = runs_.find(std::string(run_id));
  return it == runs_.end() ? nullptr : WithExperimentLockHeld(it->second);
}

RunPtr Catalog::RunByName(std::string_view ns, std::string_view name) const {
  MutexLock lock(mu_);
  const auto it = run_names_.find(Key(ns, name));
  if (it == run_names_.end()) return nullptr;
  return WithExperimentLockHeld(runs_.at(it->second));
}

RunPtr Catalog::RunByTokenHash(std::string_view token_hash) const {
  MutexLock lock(mu_);
  const auto it = tokens_.find(token_hash);
  if (it == tokens_.end()) return nullptr;
  return WithExperimentLockHeld(runs_.at(it->second));
}

Catalog::RunList Catalog::RunsOf(std::string_view ns, std::string_view resource_name) const {
  static const RunList kNone = std::make_shared<const std::vector<RunPtr>>();
  MutexLock lock(mu_);
  const auto it = by_experiment_.find(Key(ns, resource_name));
  if (it == by_experiment_.end()) return kNone;
  ExperimentRuns& of = it->second;
  if (!of.list) {
    auto list = std::make_shared<std::vector<RunPtr>>();
    list->reserve(of.runs.size());
    for (const auto& [id, run] : of.runs) list->push_back(WithExperimentLockHeld(run));
    of.list = std::move(list);
  }
  return of.list;
}

ExperimentPtr Catalog::Experiment(std::string_view experiment_id,
                                  std::string_view caller_ns) const {
  MutexLock lock(mu_);
  std::string key;
  if (experiment_id == kDefaultExperimentId) {
    key = Key(caller_ns, kDefaultExperimentResource);
  } else if (auto it = experiment_ids_.find(experiment_id); it != experiment_ids_.end()) {
    key = it->second;
  }
  const auto it = experiments_.find(key);
  return it == experiments_.end() ? nullptr : it->second;
}

ExperimentPtr Catalog::ExperimentByResource(std::string_view ns, std::string_view name) const {
  MutexLock lock(mu_);
  const auto it = experiments_.find(Key(ns, name));
  return it == experiments_.end() ? nullptr : it->second;
}

ExperimentPtr Catalog::ExperimentByName(std::string_view name, std::string_view caller_ns) const {
  MutexLock lock(mu_);
  const std::string prefix = std::string(caller_ns) + "/";
  for (auto it = experiments_.lower_bound(prefix);
       it != experiments_.end() && it->first.starts_with(prefix); ++it) {
    if (it->second->name == name) return it->second;
  }
  if (auto it = experiments_.find(Key(caller_ns, name)); it != experiments_.end())
    return it->second;
  if (name == kDefaultExperimentName) {
    if (auto it = experiments_.find(Key(caller_ns, kDefaultExperimentResource));
        it != experiments_.end()) {
      return it->second;
    }
  }
  if (auto it = experiments_.find(name); it != experiments_.end()) return it->second;
  return nullptr;
}

std::vector<ExperimentPtr> Catalog::Experiments() const {
  MutexLock lock(mu_);
  std::vector<ExperimentPtr> out;
  out.reserve(experiments_.size());
  for (const auto& [key, e] : experiments_) out.push_back(e);
  return out;
}

}  // namespace runledger::tracking
