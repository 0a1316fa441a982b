// The experiments/* endpoints.
#include "kube/json_fields.h"
#include "tracking/handlers.h"
#include "tracking/mlflow_json.h"
#include "tracking/records.h"
#include "tracking/validation.h"

namespace runledger::tracking::internal {
namespace {

using nlohmann::json;

Status NoExperiment(const std::string& id) {
  return NotFound("No Experiment with id=" + id + " exists");
}

}  // namespace

Result<ExperimentPtr> Handlers::EnsureDefault(const std::string& ns) {
  if (ExperimentPtr e = d_.catalog.ExperimentByResource(ns, kDefaultExperimentResource)) return e;
  auto created = d_.writer.CreateExperiment(
      {{ns, std::string(kDefaultExperimentResource), std::string(kDefaultExperimentName)}, "", {}});
  if (created.ok() || created.status().code() != Code::kAlreadyExists) return created;
  // Made by another request a moment ago.
  if (ExperimentPtr e = d_.catalog.ExperimentByResource(ns, kDefaultExperimentResource)) return e;
  return Unavailable("the Default experiment of namespace '" + ns + "' is being created; retry");
}

Result<ExperimentPtr> Handlers::ExperimentFor(const Caller& caller, const std::string& id,
                                              Verb verb) {
  ExperimentPtr e = d_.catalog.Experiment(id, caller.ns);
  if (!e && id == kDefaultExperimentId) {
    RETURN_IF_ERROR(d_.auth.Can(caller, Verb::kGet, "experiments", caller.ns));
    ASSIGN_OR_RETURN(e, EnsureDefault(caller.ns));
  }
  if (!e) return NoExperiment(id);
  RETURN_IF_ERROR(d_.auth.Can(caller, verb, "experiments", e->ns));
  return e;
}

Result<json> Handlers::CreateExperiment(const Call& c) {
  ASSIGN_OR_RETURN(std::string name, c.args.Required("name"));
  ASSIGN_OR_RETURN(std::string location, c.args.String("artifact_location"));
  ASSIGN_OR_RETURN(auto tags, c.args.KeyValues("tags"));
  for (const auto& t : tags) RETURN_IF_ERROR(ValidateTag(t));
  const ExperimentPlace place = PlaceExperiment(name, c.caller.ns);
  RETURN_IF_ERROR(d_.auth.Can(c.caller, Verb::kCreate, "experiments", place.ns));
  if (d_.catalog.ExperimentByName(name, c.caller.ns)) {
    return Status(Code::kAlreadyExists, "Experiment '" + name + "' already exists.");
  }
  auto created = d_.writer.CreateExperiment({place, location, tags});
  if (!created.ok() && created.status().code() == Code::kAlreadyExists)
    return Status(Code::kAlreadyExists, "Experiment '" + name + "' already exists.");
  if (!created.ok()) return created.status();
  return json{{"experiment_id", (*created)->experiment_id}};
}

Result<json> Handlers::GetExperiment(const Call& c) {
  ASSIGN_OR_RETURN(std::string id, c.args.Required("experiment_id"));
  ASSIGN_OR_RETURN(ExperimentPtr e, ExperimentFor(c.caller, id, Verb::kGet));
  return json{{"experiment", ExperimentJson(*e)}};
}

Result<json> Handlers::GetExperimentByName(const Call& c) {
  ASSIGN_OR_RETURN(std::string name, c.args.Required("experiment_name"));
  ExperimentPtr e = d_.catalog.ExperimentByName(name, c.caller.ns);
  if (!e && name == kDefaultExperimentName) {
    ASSIGN_OR_RETURN(e, ExperimentFor(c.caller, std::string(kDefaultExperimentId), Verb::kGet));
  }
  if (!e) return NotFound("Could not find experiment with name '" + name + "'");
  RETURN_IF_ERROR(d_.auth.Can(c.caller, Verb::kGet, "experiments", e->ns));
  return json{{"experiment", ExperimentJson(*e)}};
}

Result<json> Handlers::UpdateExperiment(const Call& c) {
  ASSIGN_OR_RETURN(std::string id, c.args.Required("experiment_id"));
  ASSIGN_OR_RETURN(std::string new_name, c.args.String("new_name"));
  ASSIGN_OR_RETURN(ExperimentPtr e, ExperimentFor(c.caller, id, Verb::kUpdate));
  if (new_name.empty() || new_name == e->name) return json::object();
  if (d_.catalog.ExperimentByName(new_name, e->ns))
    return Status(Code::kAlreadyExists, "Experiment '" + new_name + "' already exists.");
  RETURN_IF_ERROR(d_.writer
                      .UpdateExperiment(*e,
                                        [&](const ExperimentRecord&, json& patch) {
                                          patch["spec"]["displayName"] = new_name;
                                          return Status::Ok();
                                        })
                      .status());
  return json::object();
}

Result<ExperimentPtr> Handlers::SetExperimentLifecycle(const Call& c, const char* stage) {
  ASSIGN_OR_RETURN(std::string id, c.args.Required("experiment_id"));
  ASSIGN_OR_RETURN(ExperimentPtr e, ExperimentFor(c.caller, id, Verb::kUpdate));
  if (id == kDefaultExperimentId && std::string_view(stage) == kDeleted)
    return InvalidArgument(
        "Cannot delete the default experiment '0'. This is an internally "
        "reserved experiment.");
  return d_.writer.UpdateExperiment(*e, [&](const ExperimentRecord&, json& patch) {
    patch["metadata"]["annotations"][kLifecycleAnnotation] =
        std::string_view(stage) == kDeleted ? json(kDeleted) : json(nullptr);
    return Status::Ok();
  });
}

Result<json> Handlers::DeleteExperiment(const Call& c) {
  RETURN_IF_ERROR(SetExperimentLifecycle(c, kDeleted).status());
  return json::object();
}

Result<json> Handlers::RestoreExperiment(const Call& c) {
  RETURN_IF_ERROR(SetExperimentLifecycle(c, kActive).status());
  return json::object();
}

Result<json> Handlers::SetExperimentTag(const Call& c) {
  ASSIGN_OR_RETURN(std::string id, c.args.Required("experiment_id"));
  ASSIGN_OR_RETURN(std::string key, c.args.Required("key"));
  ASSIGN_OR_RETURN(std::string value, c.args.String("value"));
  RETURN_IF_ERROR(ValidateTag({key, value}));
  ASSIGN_OR_RETURN(ExperimentPtr e, ExperimentFor(c.caller, id, Verb::kUpdate));
  RETURN_IF_ERROR(
      d_.writer
          .UpdateExperiment(*e,
                            [&](const ExperimentRecord& current, json& patch) {
                              json tags = json::object();
                              for (const auto& [k, v] : current.tags) tags[k] = v;
                              tags[key] = value;
                              patch["metadata"]["annotations"][kExperimentTagsAnnotation] =
                                  tags.dump();
                              return Status::Ok();
                            })
          .status());
  return json::object();
}

}  // namespace runledger::tracking::internal
