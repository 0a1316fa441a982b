// runledger-operator: wires the caches, controllers, leader election and
// HTTP endpoints together, then waits for SIGTERM.
//
// Lifecycle:
//   start   informers list and watch at once (a standby keeps warm caches);
//           /healthz answers at once, /readyz once every cache is synced.
//   leader  controllers start only on the replica holding the Lease.
//   lost    the lease is gone: exit 1 at once, so no two replicas act.
//   SIGTERM stop taking work, let reconciles in flight finish (bounded by
//           shutdownGraceSeconds), release the Lease, exit 0.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "app/config.h"
#include "app/controller_set.h"
#include "app/observers.h"
#include "app/resolvers.h"
#include "app/s3_credentials.h"
#include "app/tracking_uri.h"
#include "controllers/experiment_reconciler.h"
#include "controllers/retention_reconciler.h"
#include "controllers/trainingrun_reconciler.h"
#include "http/metrics_handler.h"
#include "http/server.h"
#include "kube/config.h"
#include "log/log.h"
#include "metrics/process_metrics.h"
#include "runtime/leader_election.h"
#include "store/metric_store.h"
#include "tracking/api.h"

namespace runledger {
namespace {

using runtime::Informer;

std::string DefaultIdentity() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "_" + app::NewToken().substr(0, 8);
}

Result<std::unique_ptr<http::Server>> Serve(const std::string& address, const std::string& what,
                                            const std::function<void(http::Server&)>& routes,
                                            int threads = 2) {
  http::Server::Options options;
  options.threads = threads;
  RETURN_IF_ERROR(app::SplitAddress(address, what, options.address, options.port));
  auto server = std::make_unique<http::Server>(options);
  routes(*server);
  RETURN_IF_ERROR(server->Start());
  return server;
}

int Run(const app::OperatorConfig& cfg) {
  const log::Logger log("operator");
  const Clock& clock = Clock::Real();

  // Signals go to the thread that waits for them (below), never to workers.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto kube_config = cfg.kubeconfig.empty() ? kube::LoadDefault(cfg.context)
                                            : kube::LoadKubeconfig(cfg.kubeconfig, cfg.context);
  if (!kube_config.ok()) {
    log.Error("cannot load the Kubernetes configuration: " + kube_config.status().ToString());
    return 2;
  }
  metrics::Registry registry;
  metrics::RegisterProcessMetrics(registry);
  kube::Client::Options client_options;
  client_options.qps = cfg.api_qps;
  client_options.burst = cfg.api_burst;
  client_options.user_agent = "runledger-operator";
  client_options.field_manager = "runledger-operator";
  client_options.on_response = app::RestClientMetrics(registry, kube_config->server);
  auto client = kube::Client::Create(*kube_config, client_options);
  if (!client.ok()) {
    log.Error("cannot create the Kubernetes client: " + client.status().ToString());
    return 2;
  }
  kube::Client& kc = **client;
  const std::string identity = cfg.identity.empty() ? DefaultIdentity() : cfg.identity;
  // One watch per namespace and kind, or one per kind for all namespaces.
  std::vector<std::string> namespaces = cfg.watch_namespaces;
  if (namespaces.empty()) namespaces = {""};
  auto sources = [&](const kube::Resource& resource, const std::string& label_selector = "") {
    std::vector<Informer::ScopedSource> out;
    for (const auto& ns : namespaces) {
      out.push_back({ns, runtime::NewClientSource(kc, resource, ns, label_selector)});
    }
    return out;
  };
  // Jobs and pods are watched only if they carry the run label: the
  // operator never caches the cluster's other workloads.
  const std::string ours = controllers::kRunLabel;
  Informer runs("trainingruns", sources(kube::resources::kTrainingRuns), clock);
  Informer experiments("experiments", sources(kube::resources::kExperiments), clock);
  Informer jobs("jobs", sources(kube::resources::kJobs, ours), clock);
  Informer pods("pods", sources(kube::resources::kPods, ours), clock);
  Informer policies("retentionpolicies", sources(kube::resources::kRetentionPolicies), clock);
  // The tracking API's view of runs and experiments, fed by the same caches.
  tracking::Catalog catalog;
  catalog.Attach(runs, experiments);
  controllers::AddRunIndexes(runs.cache());
  controllers::AddPodIndexes(pods.cache());
  std::vector<Informer*> informers = {&runs, &experiments, &jobs, &pods, &policies};
  for (Informer* i : informers) {
    registry.GaugeCallback("runledger_cache_objects_" + i->name(),
                           "Objects in the operator's cache of " + i->name() + ".",
                           [i] { return static_cast<double>(i->cache().Size()); });
  }

  // Every object store the process uses (its own, Experiments' artifact
  // stores, s3:// datasets), with one set of S3 settings.
  auto s3_settings = app::S3SettingsOf(cfg);
  if (!s3_settings.ok()) {
    log.Error(s3_settings.status().ToString());
    return 2;
  }
  if (!cfg.s3_credentials_secret.empty()) {
    auto from_secret = app::SecretCredentials(kc, cfg.s3_credentials_secret, clock);
    if (!from_secret.ok()) {
      log.Error(from_secret.status().ToString());
      return 2;
    }
    // Read once now, so a missing or incomplete Secret stops the start with why.
    if (auto first = (*from_secret)(); !first.ok()) {
      log.Error(first.status().ToString());
      return 2;
    }
    s3_settings->credentials = std::move(*from_secret);
  }
  store::ObjectStores object_stores(std::move(*s3_settings));

  runtime::EventOptions event_options;
  event_options.reporting_instance = identity;
  runtime::EventRecorder events(kc, clock, event_options);

  // Pods' runledger-capture reaches the tracking API by numeric address
  // only: a Service name in --tracking-uri is resolved here, once.
  controllers::TrainingRunConfig run_config = cfg.trainingrun;
  auto pod_tracking_uri =
      app::ResolveTrackingUri(run_config.tracking_uri, std::chrono::seconds(60));
  if (!pod_tracking_uri.ok()) {
    log.Error(pod_tracking_uri.status().ToString());
    return 2;
  }
  if (*pod_tracking_uri != run_config.tracking_uri) {
    log.Info("training pods reach the tracking API at " + *pod_tracking_uri + " (" +
             run_config.tracking_uri + ")");
    run_config.tracking_uri = *pod_tracking_uri;
  }
  controllers::TrainingRunReconciler::Deps run_deps{kc,   runs,   experiments, jobs,
                                                    pods, events, clock,       run_config};
  run_deps.resolve_source = app::GitResolver(kc);
  run_deps.resolve_dataset = app::DatasetResolver(object_stores);
  run_deps.new_token = app::NewToken;
  if (const char* crash = std::getenv("RUNLEDGER_TEST_CRASH_AFTER_JOB_CREATE");
      crash && std::string(crash) == "1") {
    // For the crash test only: die the hardest way right after a Job exists.
    run_deps.after_job_created = [] { raise(SIGKILL); };
  }
  controllers::TrainingRunReconciler run_reconciler(run_deps);
  controllers::ExperimentReconciler exp_reconciler({kc, experiments, runs, clock});

  app::ControllerSet controllers(registry, clock);
  run_reconciler.Watch(controllers.Add(
      "trainingrun", [&](const auto& r) { return run_reconciler.Reconcile(r); },
      cfg.trainingrun_workers));
  exp_reconciler.Watch(controllers.Add(
      "experiment", [&](const auto& r) { return exp_reconciler.Reconcile(r); },
      cfg.experiment_workers));

  auto& leader_gauge =
      registry
          .Gauge("leader_election_master_status",
                 "Whether this replica is the leader (1) or a standby (0).", {"name"})
          .WithLabels({cfg.leader_election_id});

  // The metric store: a write-ahead log on local disk, chunks in the object
  // store. Opening replays the log.
  auto objects = object_stores.Get(cfg.object_store);
  if (!objects.ok()) {
    log.Error("cannot open the object store " + cfg.object_store + ": " +
              objects.status().ToString());
    return 2;
  }
  store::MetricStoreOptions store_options;
  store_options.wal_dir = cfg.wal_dir;
  store_options.objects = *objects;
  auto metric_store = store::MetricStore::Open(store_options);
  if (!metric_store.ok()) {
    log.Error("cannot open the metric store in " + cfg.wal_dir + ": " +
              metric_store.status().ToString());
    return 2;
  }
  tracking::Writer tracking_writer(kc, catalog);
  tracking::Authorizer authorizer(kc, catalog, clock, {cfg.tracking_default_namespace});
  tracking::LatestValues latest(**metric_store);
  tracking::StatusSummarizer::Options summary_options;
  summary_options.min_interval = std::chrono::seconds(cfg.summary_interval_seconds);
  summary_options.max_keys = static_cast<size_t>(cfg.summary_max_keys);
  tracking::StatusSummarizer summarizer(**metric_store, catalog, tracking_writer, clock,
                                        summary_options);
  tracking::RunArtifacts run_artifacts(catalog, authorizer, **objects, object_stores);
  controllers::RetentionReconciler::Deps retention_deps{
      kc, policies, experiments, runs, events, **objects, cfg.object_store, object_stores, clock};
  if (const char* crash = std::getenv("RUNLEDGER_TEST_CRASH_AFTER_DELETE_BATCH");
      crash && std::string(crash) == "1") {
    // For the crash test only: die mid-pass, after the first batch of deletions.
    retention_deps.after_delete_batch = [] { raise(SIGKILL); };
  }
  controllers::RetentionReconciler retention_reconciler(std::move(retention_deps));
  // One pass at a time: a pass lists and deletes whole Experiments, and the
  // object store's throughput is the limit, not the operator's threads.
  retention_reconciler.Watch(controllers.Add(
      "retentionpolicy", [&](const auto& r) { return retention_reconciler.Reconcile(r); }, 1));
  const tracking::TrackingDeps tracking_deps{
      catalog, tracking_writer, authorizer,    **metric_store,
      latest,  summarizer,      run_artifacts, clock};

  auto metrics_server = Serve(cfg.metrics_address, "metricsAddress", [&](http::Server& s) {
    s.Handle("GET", "/metrics", http::MetricsHandler(registry));
  });
  if (!metrics_server.ok()) {
    log.Error(metrics_server.status().ToString());
    return 2;
  }
  auto probe_server = Serve(cfg.probe_address, "probeAddress", [&](http::Server& s) {
    s.Handle("GET", "/healthz",
             [](const http::Request&) { return http::TextResponse(200, "ok\n"); });
    s.Handle("GET", "/readyz", [&](const http::Request&) {
      std::string waiting;
      for (Informer* i : informers) {
        if (!i->Synced()) waiting += " " + i->name();
      }
      if (!waiting.empty()) return http::TextResponse(503, "caches not synced:" + waiting + "\n");
      if (Status health = (*metric_store)->Health(); !health.ok())
        return http::TextResponse(503, "metric store: " + health.ToString() + "\n");
      return http::TextResponse(200, "ok\n");
    });
  });
  if (!probe_server.ok()) {
    log.Error(probe_server.status().ToString());
    return 2;
  }
  auto tracking_server = Serve(
      cfg.tracking_address, "tracking.address",
      [&](http::Server& s) { tracking::RegisterTrackingRoutes(s, tracking_deps); },
      cfg.tracking_threads);
  if (!tracking_server.ok()) {
    log.Error(tracking_server.status().ToString());
    return 2;
  }
  summarizer.Start();
  log.Info(
      "serving",
      {{"metrics",
        cfg.metrics_address + " (port " + std::to_string((*metrics_server)->port()) + ")"},
       {"probes", cfg.probe_address + " (port " + std::to_string((*probe_server)->port()) + ")"},
       {"tracking",
        cfg.tracking_address + " (port " + std::to_string((*tracking_server)->port()) + ")"},
       {"identity", identity},
       {"namespaces", cfg.watch_namespaces.empty() ? "(all)" : [&] {
          std::string joined;
          for (const auto& ns : cfg.watch_namespaces) joined += (joined.empty() ? "" : ",") + ns;
          return joined;
        }()}});

  for (Informer* i : informers) i->Start();

  auto start_controllers = [&] {
    leader_gauge.Set(1);
    controllers.Start();
  };
  std::jthread elector_thread;
  std::unique_ptr<runtime::LeaderElector> elector;
  if (cfg.leader_elect) {
    runtime::LeaderElectionOptions le;
    le.lease_namespace = cfg.leader_election_namespace;
    le.lease_name = cfg.leader_election_id;
    le.identity = identity;
    elector = std::make_unique<runtime::LeaderElector>(kc, clock, le);
    elector_thread = std::jthread([&](std::stop_token stop) {
      Status s = elector->Run(stop, start_controllers, [&] {
        leader_gauge.Set(0);
        log.Error("lost leadership; exiting so that this replica restarts as a standby");
        std::fflush(nullptr);
        _exit(1);
      });
      if (!s.ok() && s.code() != Code::kCancelled) log.Warn("leader election: " + s.ToString());
    });
  } else {
    start_controllers();
  }

  int sig = 0;
  sigwait(&signals, &sig);
  log.Info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", shutting down");
  if (!controllers.Stop(std::chrono::seconds(cfg.shutdown_grace_seconds)))
    log.Warn("some reconciles were still running at the end of the grace period");
  if (elector_thread.joinable()) {
    elector_thread.request_stop();  // Releases the Lease.
    elector_thread.join();
  }
  leader_gauge.Set(0);
  // The tracking API stops before the store it writes to; the summarizer
  // writes the summaries still due.
  (*tracking_server)->Stop();
  summarizer.Stop();
  (*metric_store)->Close();
  for (Informer* i : informers) i->Stop();
  (*probe_server)->Stop();
  (*metrics_server)->Stop();
  log.Info("stopped");
  return 0;
}

}  // namespace
}  // namespace runledger

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // glibc gives each thread that allocates an arena of its own (up to 8 per
  // core); freed memory stays in the arena that freed it. With a dozen
  // threads parsing and dropping objects, the operator held 79.9 MB with
  // 10,000 cached runs, and 62.9 MB with two arenas (bench/reconcile.sh,
  // docs/benchmarks.md). Two are plenty for an operator's allocation rate.
  mallopt(M_ARENA_MAX, 2);
#endif
  auto config = runledger::app::ParseCommandLine(argc, argv);
  if (!config.ok()) {
    if (config.status().code() == runledger::Code::kCancelled) {
      std::fputs(config.status().message().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "runledger-operator: %s\n", config.status().message().c_str());
    return 2;
  }
  runledger::log::Configure(config->log_format, config->log_level);
  return runledger::Run(*config);
}
