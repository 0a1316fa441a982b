#include "controllers/trainingrun_job.h"

#include <algorithm>
#include <regex>

#include "kube/json_fields.h"

namespace runledger::controllers {

using kube::ObjectField;
using kube::StringField;
using nlohmann::json;

namespace {

constexpr char kCaptureVolume[] = "runledger-bin";
constexpr char kCheckoutVolume[] = "runledger-checkout";
constexpr char kCredentialsVolume[] = "runledger-git-credentials";
constexpr char kCredentialsDir[] = "/runledger/git-credentials";

// Fetches $GIT_COMMIT of $GIT_URL into $RUNLEDGER_CHECKOUT_DIR. The values
// come from the environment, never spliced into the script. Fetching one
// commit by SHA needs a server that allows it (protocol v2, or GitHub's and
// GitLab's settings); otherwise every branch and tag is fetched. The
// credential keys are the ones the operator's resolver reads
// (docs/source-resolution.md).
constexpr char kCheckoutScript[] = R"sh(set -eu
creds=/runledger/git-credentials
cd "$RUNLEDGER_CHECKOUT_DIR"
git init -q .
git remote add origin "$GIT_URL"
if [ -r "$creds/ssh-privatekey" ]; then
  key="$(mktemp)"
  cat "$creds/ssh-privatekey" >"$key"
  chmod 600 "$key"
  hosts=/dev/null
  if [ -r "$creds/known_hosts" ]; then hosts="$creds/known_hosts"; fi
  export GIT_SSH_COMMAND="ssh -i $key -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$hosts"
fi
if [ -r "$creds/password" ] || [ -r "$creds/token" ]; then
  git config credential.helper '!f() { d=/runledger/git-credentials; u=x-access-token; if [ -r $d/username ]; then u=$(cat $d/username); fi; p=$(cat $d/password 2>/dev/null || cat $d/token); echo username=$u; echo password=$p; }; f'
fi
git fetch -q --depth 1 origin "$GIT_COMMIT" 2>/dev/null ||
  git fetch -q origin '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*'
git -c advice.detachedHead=false checkout -q "$GIT_COMMIT"
test "$(git rev-parse HEAD)" = "$GIT_COMMIT"
echo "checked out $GIT_COMMIT"
)sh";

json EnvVar(const std::string& name, const std::string& value) {
  return {{"name", name}, {"value", value}};
}

std::string ParamText(const json& params) { return params.is_object() ? params.dump() : "{}"; }

// RUNLEDGER_METRIC_FORMAT from spec.collect, in the syntax
// runledger-capture reads (capture/metric_line.h). A regex that capture
// would refuse is refused here, so it is a condition on the run rather than
// a note in the pod's log and a run without metrics.
Result<std::string> MetricFormat(const json& collect) {
  if (!kube::BoolField(collect, "stdout", true)) return std::string("none");
  const std::string format = StringField(collect, "format");
  if (format != "regex") return format.empty() ? std::string("auto") : format;
  const std::string pattern = StringField(collect, "pattern");
  if (pattern.empty()) return InvalidArgument("spec.collect.pattern: required with format regex");
  try {
    if (std::regex(pattern, std::regex::ECMAScript).mark_count() < 2) {
      return InvalidArgument("spec.collect.pattern: \"" + pattern +
                             "\" needs two groups: (key) and (value), then optionally (step)");
    }
  } catch (const std::regex_error& e) {
    return InvalidArgument("spec.collect.pattern: \"" + pattern +
                           "\" is not an ECMAScript regex: " + e.what());
  }
  return "regex:" + pattern;
}

// The init container, volumes and trainer mount of a checkout at `path`.
void AddCheckout(const json& git, const std::string& commit, const std::string& path,
                 const TrainingRunConfig& config, json& pod_spec, json& trainer, json& init) {
  json mounts = json::array({{{"name", kCheckoutVolume}, {"mountPath", path}}});
  pod_spec["volumes"].push_back({{"name", kCheckoutVolume}, {"emptyDir", json::object()}});
  const std::string secret = StringField(ObjectField(git, "secretRef"), "name");
  if (!secret.empty()) {
    // Mounted in the checkout container only; 0444 so a non-root user can
    // read it (ssh gets a private copy with mode 0600).
    pod_spec["volumes"].push_back({{"name", kCredentialsVolume},
                                   {"secret", {{"secretName", secret}, {"defaultMode", 0444}}}});
    mounts.push_back(
        {{"name", kCredentialsVolume}, {"mountPath", kCredentialsDir}, {"readOnly", true}});
  }
  init.push_back(
      {{"name", "runledger-checkout"},
       {"image", config.checkout_image},
       {"command", json::array({"sh", "-c", kCheckoutScript})},
       {"env", json::array({EnvVar("GIT_URL", RedactUrl(StringField(git, "url"))),
                            EnvVar("GIT_COMMIT", commit), EnvVar("RUNLEDGER_CHECKOUT_DIR", path)})},
       {"volumeMounts", std::move(mounts)}});
  trainer["volumeMounts"].push_back({{"name", kCheckoutVolume}, {"mountPath", path}});
  if (StringField(trainer, "workingDir").empty()) trainer["workingDir"] = path;
}

}  // namespace

const std::vector<std::string>& InjectedEnvNames() {
  static const std::vector<std::string> names = {"GIT_COMMIT",
                                                 "GIT_DIRTY",
                                                 "GIT_URL",
                                                 "DATASET_URI",
                                                 "DATASET_SNAPSHOT_ID",
                                                 "RUNLEDGER_RUN",
                                                 "RUNLEDGER_EXPERIMENT",
                                                 "RUNLEDGER_NAMESPACE",
                                                 "RUNLEDGER_PARAMS",
                                                 "MLFLOW_TRACKING_URI",
                                                 "MLFLOW_RUN_ID",
                                                 "MLFLOW_EXPERIMENT_ID",
                                                 "MLFLOW_TRACKING_TOKEN",
                                                 "RUNLEDGER_METRIC_FORMAT"};
  return names;
}

std::string RedactUrl(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;  // scp-like: user@host is not a secret.
  const auto host_start = scheme + 3;
  const auto path = url.find('/', host_start);
  const auto at = url.rfind('@', path == std::string::npos ? url.size() : path);
  if (at == std::string::npos || at < host_start) return url;
  return url.substr(0, host_start) + url.substr(at + 1);
}

Result<size_t> TrainerIndex(const json& run) {
  const json& spec = ObjectField(run, "spec");
  const json& pod_spec = ObjectField(ObjectField(spec, "template"), "spec");
  auto containers = pod_spec.find("containers");
  if (containers == pod_spec.end() || !containers->is_array() || containers->empty()) {
    return InvalidArgument("spec.template.spec.containers: the template has no container");
  }
  const std::string wanted = StringField(spec, "trainerContainer");
  if (wanted.empty()) return size_t{0};
  for (size_t i = 0; i < containers->size(); ++i) {
    if (StringField((*containers)[i], "name") == wanted) return i;
  }
  return InvalidArgument("spec.trainerContainer: no container named \"" + wanted +
                         "\" in spec.template.spec.containers");
}

Result<json> BuildJob(const json& run, const JobInputs& in, const TrainingRunConfig& config) {
  const json& meta = ObjectField(run, "metadata");
  const json& spec = ObjectField(run, "spec");
  const std::string name = StringField(meta, "name");
  const std::string ns = StringField(meta, "namespace");
  const std::string experiment = StringField(spec, "experimentRef");
  ASSIGN_OR_RETURN(size_t trainer_index, TrainerIndex(run));
  ASSIGN_OR_RETURN(const std::string metric_format, MetricFormat(ObjectField(spec, "collect")));

  json pod_template = ObjectField(spec, "template");
  json& pod_spec = pod_template["spec"];
  json& trainer = pod_spec["containers"][trainer_index];
  const std::string field = "spec.template.spec.containers[" + std::to_string(trainer_index) + "]";

  // argv: exactly the user's command and args after "--".
  auto command = trainer.find("command");
  if (command == trainer.end() || !command->is_array() || command->empty()) {
    return InvalidArgument(field + ".command: the trainer container \"" +
                           StringField(trainer, "name") +
                           "\" needs an explicit command; runledger wraps it as "
                           "runledger-capture -- <command> and never guesses the image's "
                           "entrypoint");
  }
  json argv = json::array({kCapturePath, "--"});
  for (const auto& part : *command) argv.push_back(part);
  if (auto args = trainer.find("args"); args != trainer.end() && args->is_array()) {
    for (const auto& part : *args) argv.push_back(part);
  }
  trainer["command"] = std::move(argv);
  trainer.erase("args");

  // env: refuse a clash rather than overwrite what the user wrote.
  json& env = trainer["env"];
  if (!env.is_array()) env = json::array();
  const auto& injected = InjectedEnvNames();
  for (const auto& var : env) {
    const std::string var_name = StringField(var, "name");
    if (std::find(injected.begin(), injected.end(), var_name) != injected.end()) {
      return InvalidArgument(field + ".env: " + var_name +
                             " is set by runledger; remove it from the template (the value "
                             "runledger injects is the recorded one)");
    }
  }
  const json& git = ObjectField(ObjectField(spec, "source"), "git");
  if (!in.commit.empty()) {
    env.push_back(EnvVar("GIT_COMMIT", in.commit));
    env.push_back(EnvVar("GIT_DIRTY", kube::BoolField(git, "dirty") ? "true" : "false"));
    env.push_back(EnvVar("GIT_URL", RedactUrl(StringField(git, "url"))));
  }
  const json& dataset = ObjectField(spec, "dataset");
  if (!dataset.is_null()) {
    env.push_back(EnvVar("DATASET_URI", StringField(dataset, "uri")));
    env.push_back(EnvVar("DATASET_SNAPSHOT_ID", in.snapshot_id));
  }
  env.push_back(EnvVar("RUNLEDGER_RUN", name));
  env.push_back(EnvVar("RUNLEDGER_EXPERIMENT", experiment));
  env.push_back(EnvVar("RUNLEDGER_NAMESPACE", ns));
  env.push_back(EnvVar("RUNLEDGER_PARAMS", ParamText(ObjectField(spec, "params"))));
  env.push_back(EnvVar("RUNLEDGER_METRIC_FORMAT", metric_format));
  if (!config.tracking_uri.empty()) {
    env.push_back(EnvVar("MLFLOW_TRACKING_URI", config.tracking_uri));
  }
  env.push_back(EnvVar("MLFLOW_RUN_ID", in.run_id));
  env.push_back(EnvVar("MLFLOW_EXPERIMENT_ID", in.experiment_id));
  env.push_back(
      {{"name", "MLFLOW_TRACKING_TOKEN"},
       {"valueFrom", {{"secretKeyRef", {{"name", in.token_secret}, {"key", kTokenKey}}}}}});

  json& mounts = trainer["volumeMounts"];
  if (!mounts.is_array()) mounts = json::array();
  mounts.push_back({{"name", kCaptureVolume}, {"mountPath", kCaptureDir}, {"readOnly", true}});

  json& volumes = pod_spec["volumes"];
  if (!volumes.is_array()) volumes = json::array();
  volumes.push_back({{"name", kCaptureVolume}, {"emptyDir", json::object()}});

  json init = json::array(
      {{{"name", "runledger-capture-install"},
        {"image", config.capture_image},
        {"command", config.capture_install_command},
        {"volumeMounts", json::array({{{"name", kCaptureVolume}, {"mountPath", kCaptureDir}}})}}});
  if (const std::string path = StringField(ObjectField(git, "checkout"), "path"); !path.empty()) {
    AddCheckout(git, in.commit, path, config, pod_spec, trainer, init);
  }
  if (auto user_init = pod_spec.find("initContainers");
      user_init != pod_spec.end() && user_init->is_array()) {
    for (const auto& c : *user_init) init.push_back(c);
  }
  pod_spec["initContainers"] = std::move(init);

  const std::string restart = StringField(pod_spec, "restartPolicy");
  if (restart != "OnFailure") pod_spec["restartPolicy"] = "Never";

  json labels = {{kRunLabel, name}, {kExperimentLabel, experiment}};
  json& pod_meta = pod_template["metadata"];
  if (!pod_meta.is_object()) pod_meta = json::object();
  json& pod_labels = pod_meta["labels"];
  if (!pod_labels.is_object()) pod_labels = json::object();
  for (auto& [k, v] : labels.items()) pod_labels[k] = v;

  json job_labels = labels;
  const std::string queue = StringField(ObjectField(meta, "labels"), kQueueLabel);
  if (!queue.empty()) job_labels[kQueueLabel] = queue;

  json job_spec = {{"backoffLimit", kube::IntField(spec, "backoffLimit").value_or(0)},
                   {"suspend", kube::BoolField(spec, "suspend")},
                   {"template", std::move(pod_template)}};
  if (auto deadline = kube::IntField(spec, "activeDeadlineSeconds")) {
    job_spec["activeDeadlineSeconds"] = *deadline;
  }
  return json{{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata",
               {{"name", name},
                {"namespace", ns},
                {"labels", std::move(job_labels)},
                {"ownerReferences", json::array({{{"apiVersion", "runledger.dev/v1alpha1"},
                                                  {"kind", "TrainingRun"},
                                                  {"name", name},
                                                  {"uid", StringField(meta, "uid")},
                                                  {"controller", true},
                                                  {"blockOwnerDeletion", true}}})}}},
              {"spec", std::move(job_spec)}};
}

}  // namespace runledger::controllers
