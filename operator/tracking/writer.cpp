#include "tracking/writer.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "base/encoding.h"
#include "kube/json_fields.h"
#include "tracking/records.h"

namespace runledger::tracking {
namespace {

using kube::ObjectField;
using kube::StringField;
using nlohmann::json;
namespace resources = kube::resources;

constexpr int kConflictRetries = 5;

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  return HexEncode(raw);
}

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  for (const char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// Lowercase letters and digits kept, runs of anything else as one '-',
// at most `max` characters, no '-' at either end.
std::string DnsPart(std::string_view s, size_t max) {
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (ok) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= max) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string Hash8(std::string_view s) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), 4));
}

json TagsObject(const std::vector<std::pair<std::string, std::string>>& tags) {
  json out = json::object();
  for (const auto& [k, v] : tags) out[k] = v;
  return out;
}

}  // namespace

std::string Writer::ResourceNameFor(std::string_view mlflow_name) {
  if (IsDnsLabel(mlflow_name)) return std::string(mlflow_name);
  std::string base = DnsPart(mlflow_name, 50);
  return (base.empty() ? "experiment" : base) + "-" + Hash8(mlflow_name);
}

Result<RunPtr> Writer::CreateRun(const NewRun& run) {
  const std::string suffix = RandomHex(4);
  const std::string base = DnsPart(run.run_name, 40);
  const std::string name = (base.empty() ? "run" : base) + "-" + suffix;
  json spec = {{"experimentRef", run.experiment_resource}};
  if (!run.parent_name.empty()) spec["parentRef"] = run.parent_name;
  json object = {{"apiVersion", "runledger.dev/v1alpha1"},
                 {"kind", "TrainingRun"},
                 {"metadata", {{"name", name}, {"namespace", run.ns}}},
                 {"spec", std::move(spec)}};
  ASSIGN_OR_RETURN(json created, client_.Create(resources::kTrainingRuns, run.ns, object));
  catalog_.Observe(Catalog::Kind::kRun, created);
  const std::string run_name = run.run_name.empty() ? "run-" + suffix : run.run_name;
  json tracking = {{"status", kRunning},
                   {"startTimeMs", run.start_time_ms},
                   {"lifecycleStage", kActive},
                   {"runName", run_name},
                   {"tags", TagsObject(run.tags)}};
  if (!run.user_id.empty()) tracking["userId"] = run.user_id;
  ASSIGN_OR_RETURN(json patched,
                   client_.Patch(resources::kTrainingRuns, run.ns, name, kube::PatchType::kMerge,
                                 {{"status", {{"tracking", std::move(tracking)}}}}, {}, "status"));
  catalog_.Observe(Catalog::Kind::kRun, patched);
  RunPtr record = catalog_.Run(RunFromObject(patched).run_id);
  if (!record) return Internal("the run created a moment ago is gone: " + run.ns + "/" + name);
  return record;
}

Result<Writer::Patched> Writer::PatchUnlessChanged(Catalog::Kind kind, const std::string& ns,
                                                   const std::string& name, const json& body,
                                                   const std::string& subresource, int attempt) {
  const kube::Resource& resource =
      kind == Catalog::Kind::kRun ? resources::kTrainingRuns : resources::kExperiments;
  auto patched = client_.Patch(resource, ns, name, kube::PatchType::kMerge, body, {}, subresource);
  if (patched.ok()) {
    catalog_.Observe(kind, *patched);
    return Patched{std::move(*patched), false};
  }
  if (patched.status().code() != Code::kConflict || attempt + 1 >= kConflictRetries)
    return patched.status();
  // Someone else wrote it: the caller decides again on what it is now.
  ASSIGN_OR_RETURN(json fresh, client_.Get(resource, ns, name));
  catalog_.Observe(kind, fresh);
  return Patched{std::move(fresh), true};
}

Result<RunPtr> Writer::UpdateRun(const RunRecord& run, const Decide& decide) {
  RunPtr current = std::make_shared<RunRecord>(run);
  for (int attempt = 0;; ++attempt) {
    json patch = json::object();
    RETURN_IF_ERROR(decide(*current, patch));
    if (patch.empty()) return current;
    ASSIGN_OR_RETURN(Patched p, PatchUnlessChanged(
                                    Catalog::Kind::kRun, current->ns, current->name,
                                    {{"metadata", {{"resourceVersion", current->resource_version}}},
                                     {"status", {{"tracking", std::move(patch)}}}},
                                    "status", attempt));
    RunPtr now = catalog_.Run(current->run_id);
    if (!p.conflict) return now ? now : std::make_shared<RunRecord>(RunFromObject(p.object));
    if (!now) return NotFound("Run '" + run.run_id + "' not found");
    current = std::move(now);
  }
}

Status Writer::PatchRunStatus(const RunRecord& run, const json& status_patch) {
  ASSIGN_OR_RETURN(json patched, client_.Patch(resources::kTrainingRuns, run.ns, run.name,
                                               kube::PatchType::kMerge, {{"status", status_patch}},
                                               {}, "status"));
  catalog_.Observe(Catalog::Kind::kRun, patched);
  return Status::Ok();
}

ExperimentPlace PlaceExperiment(std::string_view name, std::string_view caller_ns) {
  const size_t slash = name.find('/');
  if (slash != std::string_view::npos && IsDnsLabel(name.substr(0, slash)) &&
      IsDnsLabel(name.substr(slash + 1))) {
    return {std::string(name.substr(0, slash)), std::string(name.substr(slash + 1)), ""};
  }
  return {std::string(caller_ns), Writer::ResourceNameFor(name), std::string(name)};
}

Result<ExperimentPtr> Writer::CreateExperiment(const NewExperiment& e) {
  const std::string& ns = e.place.ns;
  const std::string& resource = e.place.resource;
  json spec = json::object();
  if (!e.place.display_name.empty()) spec["displayName"] = e.place.display_name;
  if (e.artifact_location.starts_with("s3://") || e.artifact_location.starts_with("file://"))
    spec["artifactStore"] = e.artifact_location;
  json metadata = {{"name", resource}, {"namespace", ns}};
  if (!e.tags.empty()) {
    metadata["annotations"] = {{kExperimentTagsAnnotation, TagsObject(e.tags).dump()}};
  }
  json object = {{"apiVersion", "runledger.dev/v1alpha1"},
                 {"kind", "Experiment"},
                 {"metadata", std::move(metadata)},
                 {"spec", std::move(spec)}};
  ASSIGN_OR_RETURN(json created, client_.Create(resources::kExperiments, ns, object));
  catalog_.Observe(Catalog::Kind::kExperiment, created);
  return std::make_shared<const ExperimentRecord>(ExperimentFromObject(created));
}

Result<ExperimentPtr> Writer::UpdateExperiment(const ExperimentRecord& experiment,
                                               const DecideExperiment& decide) {
  ExperimentPtr current = std::make_shared<ExperimentRecord>(experiment);
  for (int attempt = 0;; ++attempt) {
    json patch = json::object();
    RETURN_IF_ERROR(decide(*current, patch));
    if (patch.empty()) return current;
    patch["metadata"]["resourceVersion"] = current->resource_version;
    ASSIGN_OR_RETURN(Patched p, PatchUnlessChanged(Catalog::Kind::kExperiment, current->ns,
                                                   current->resource_name, patch, "", attempt));
    current = std::make_shared<const ExperimentRecord>(ExperimentFromObject(p.object));
    if (!p.conflict) return current;
  }
}

}  // namespace runledger::tracking
