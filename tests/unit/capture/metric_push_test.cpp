// Metric collection end to end: the real runledger-capture binary pushes to
// the project's own http::Server in this process, which records what it
// gets (and can answer 503 or 400 first, or start late).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <nlohmann/json.hpp>
#include <set>

#include "base/mutex.h"
#include "capture_process.h"
#include "http/server.h"

namespace runledger::capture {
namespace {

using namespace std::chrono_literals;
using testing::CaptureArgv;
using testing::Process;
using testing::TempDir;

struct Recorded {
  std::string method, path, idempotency_key, authorization, body;
  int answered = 0;
};

// A tracking API stand-in: records every request; the first `fail_batches`
// log-batch requests get `fail_status`.
class FakeTrackingApi {
 public:
  explicit FakeTrackingApi(uint16_t port = 0) : server_({.port = port, .threads = 4}) {
    auto handler = [this](const http::Request& r) {
      MutexLock lock(mu_);
      // A slow API: answers nothing until Release() (at most 30 s, so the
      // server can always stop).
      released_.wait_for(mu_, std::chrono::seconds(30),
                         [this]() NO_THREAD_SAFETY_ANALYSIS { return !hold_; });
      Recorded rec{r.method,
                   r.path,
                   std::string(r.Header("Idempotency-Key")),
                   std::string(r.Header("Authorization")),
                   r.body,
                   200};
      if (r.path.ends_with("/log-batch") && fail_batches > 0) {
        --fail_batches;
        rec.answered = fail_status;
      }
      requests_.push_back(rec);
      return http::JsonResponse(rec.answered, "{}");
    };
    server_.HandlePrefix("POST", "/api/2.0/mlflow/", handler);
    server_.HandlePrefix("PUT", "/api/2.0/mlflow-artifacts/", handler);
    EXPECT_TRUE(server_.Start().ok());
  }

  std::vector<std::string> Env(const std::string& run_id = "run1") const {
    return {"MLFLOW_TRACKING_URI=http://127.0.0.1:" + std::to_string(server_.port()),
            "MLFLOW_TRACKING_TOKEN=tok", "MLFLOW_RUN_ID=" + run_id, "MLFLOW_EXPERIMENT_ID=7"};
  }

  std::vector<Recorded> requests() {
    MutexLock lock(mu_);
    return requests_;
  }

  // The points of the accepted log-batches, in arrival order, as "key=value@step".
  std::vector<std::string> Points() {
    std::vector<std::string> out;
    for (const Recorded& r : requests()) {
      if (!r.path.ends_with("/log-batch") || r.answered != 200) continue;
      const nlohmann::json body = nlohmann::json::parse(r.body);
      for (const auto& m : body["metrics"]) {
        std::string value = m["value"].is_string() ? m["value"].get<std::string>()
                                                   : nlohmann::json(m["value"]).dump();
        out.push_back(m["key"].get<std::string>() + "=" + value + "@" +
                      std::to_string(m["step"].get<int64_t>()));
      }
    }
    return out;
  }

  void Hold() {
    MutexLock lock(mu_);
    hold_ = true;
  }
  void Release() {
    MutexLock lock(mu_);
    hold_ = false;
    released_.notify_all();
  }

  int fail_batches = 0;  // set before the run starts
  int fail_status = 503;

 private:
  Mutex mu_;
  std::condition_variable_any released_;
  bool hold_ GUARDED_BY(mu_) = false;
  std::vector<Recorded> requests_ GUARDED_BY(mu_);
  http::Server server_;  // last: stopped first, before what its handlers use
};

// A shell loop printing "loss=<i> step=<i>" for i < n, then `last` without
// a newline, then exiting with `code`.
std::vector<std::string> Trainer(int n, const std::string& last, int code = 0) {
  return {"/bin/sh", "-c",
          "i=0; while [ $i -lt " + std::to_string(n) +
              " ]; do echo \"loss=$i step=$i\"; i=$((i+1)); done; printf '" + last + "'; exit " +
              std::to_string(code)};
}

std::vector<std::string> Expected(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("loss=" + std::to_string(i) + "@" + std::to_string(i));
  return out;
}

std::string Printed(int n, const std::string& last) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += "loss=" + std::to_string(i) + " step=" + std::to_string(i) + "\n";
  return out + last;
}

TEST(CaptureMetricPush, EveryPointArrivesInOrderInBatchesOfAtMost1000) {
  FakeTrackingApi api;
  Process p(CaptureArgv(Trainer(2500, "last=7 step=9")), api.Env());
  ASSERT_EQ(p.Wait(), 0) << p.err();
  EXPECT_EQ(p.out(), Printed(2500, "last=7 step=9"));
  EXPECT_EQ(p.err(), "");

  std::vector<std::string> want = Expected(2500);
  want.push_back("last=7@9");  // the last line, printed right before the exit
  EXPECT_EQ(api.Points(), want);

  std::set<std::string> keys;
  const auto requests = api.requests();
  ASSERT_FALSE(requests.empty());
  for (const Recorded& r : requests) {
    EXPECT_EQ(r.authorization, "Bearer tok");
    if (!r.path.ends_with("/log-batch")) continue;
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["run_id"], "run1");
    EXPECT_LE(body["metrics"].size(), 1000u);
    EXPECT_FALSE(r.idempotency_key.empty());
    EXPECT_TRUE(keys.insert(r.idempotency_key).second) << "reused " << r.idempotency_key;
  }
  EXPECT_GE(keys.size(), 3u);
  // runs/update comes last, FINISHED.
  EXPECT_EQ(requests.back().path, "/api/2.0/mlflow/runs/update");
  const auto update = nlohmann::json::parse(requests.back().body);
  EXPECT_EQ(update["run_id"], "run1");
  EXPECT_EQ(update["status"], "FINISHED");
  EXPECT_GT(update["end_time"].get<int64_t>(), 1600000000000);
}

TEST(CaptureMetricPush, RetriesReuseTheIdempotencyKey) {
  FakeTrackingApi api;
  api.fail_batches = 3;
  Process p(CaptureArgv(Trainer(5, "")), api.Env());
  ASSERT_EQ(p.Wait(), 0) << p.err();
  EXPECT_EQ(api.Points(), Expected(5));
  std::vector<Recorded> batches;
  for (const Recorded& r : api.requests()) {
    if (r.path.ends_with("/log-batch")) batches.push_back(r);
  }
  ASSERT_EQ(batches.size(), 4u);
  for (const Recorded& r : batches) {
    EXPECT_EQ(r.idempotency_key, batches[0].idempotency_key);
    EXPECT_EQ(r.body, batches[0].body);
  }
  EXPECT_EQ(batches.back().answered, 200);
}

TEST(CaptureMetricPush, PassthroughIsUnchangedWhileTheApiIsDownAndPointsArriveLater) {
  // A free port with nothing listening yet.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const uint16_t port = ntohs(addr.sin_port);
  close(fd);

  const std::vector<std::string> env = {
      "MLFLOW_TRACKING_URI=http://127.0.0.1:" + std::to_string(port), "MLFLOW_RUN_ID=late",
      "MLFLOW_EXPERIMENT_ID=7"};
  Process p(CaptureArgv(Trainer(3000, "end\n")), env);
  // All output passes while nobody answers.
  ASSERT_TRUE(p.WaitForStdout("end\n", 20s)) << p.err();
  FakeTrackingApi api(port);
  ASSERT_EQ(p.Wait(), 0) << p.err();
  EXPECT_EQ(p.out(), Printed(3000, "end\n"));
  EXPECT_EQ(api.Points(), Expected(3000));
}

TEST(CaptureMetricPush, ASlowApiDoesNotStallTheOutput) {
  FakeTrackingApi api;
  api.Hold();
  Process p(CaptureArgv(Trainer(5000, "end\n")), api.Env());
  // Every line passes while the first batch waits for its answer.
  ASSERT_TRUE(p.WaitForStdout("end\n", 20s)) << p.err();
  api.Release();
  ASSERT_EQ(p.Wait(), 0) << p.err();
  EXPECT_EQ(p.out(), Printed(5000, "end\n"));
  EXPECT_EQ(api.Points(), Expected(5000));
}

TEST(CaptureMetricPush, SpilledPointsKeepTheirOrder) {
  FakeTrackingApi api;
  api.fail_batches = 2;  // the points pile up meanwhile, almost all beyond memory
  TempDir spill;
  Process p(CaptureArgv(Trainer(3000, ""),
                        {"--no-probes", "--metric-buffer=10", "--spill-dir=" + spill.path()}),
            api.Env());
  ASSERT_EQ(p.Wait(), 0) << p.err();
  EXPECT_EQ(api.Points(), Expected(3000));
}

TEST(CaptureMetricPush, FailedRunEndsFailedWithItsArtifacts) {
  FakeTrackingApi api;
  TempDir dir;
  dir.Write("python3",
            "#!/bin/sh\n"
            "case \"$1 $2\" in\n"
            "  --version*) echo 'Python 3.12.4' ;;\n"
            "  *metadata*) echo '{\"numpy\": \"1.26.4\", \"pandas\": \"2.2.0\"}' ;;\n"
            "  *) exit 1 ;;\n"
            "esac\n",
            0755);
  std::vector<std::string> env = api.Env();
  env.push_back("PATH=" + dir.path() + ":/usr/bin:/bin");
  const std::string log = dir.path() + "/termination-log";
  Process p(CaptureArgv(Trainer(2, "", 3), {"--termination-log=" + log}), env);
  ASSERT_EQ(p.Wait(), 3) << p.err();

  std::map<std::string, std::string> puts;
  for (const Recorded& r : api.requests()) {
    if (r.method == "PUT") puts[r.path] = r.body;
  }
  const std::string dir_path = "/api/2.0/mlflow-artifacts/artifacts/7/run1/artifacts/runledger/";
  ASSERT_EQ(puts.count(dir_path + "env.json"), 1u);
  const auto env_json = nlohmann::json::parse(puts[dir_path + "env.json"]);
  EXPECT_EQ(env_json["runledgerCapture"], 1);
  EXPECT_EQ(env_json["python"], "3.12.4");
  EXPECT_EQ(puts[dir_path + "requirements.txt"], "numpy==1.26.4\npandas==2.2.0\n");
  const auto requests = api.requests();
  EXPECT_EQ(requests.back().path, "/api/2.0/mlflow/runs/update");
  EXPECT_EQ(nlohmann::json::parse(requests.back().body)["status"], "FAILED");
  EXPECT_EQ(api.Points(), Expected(2));
}

TEST(CaptureMetricPush, KilledRunEndsKilled) {
  FakeTrackingApi api;
  Process p(CaptureArgv({"/bin/sh", "-c", "echo a=1; kill -TERM $$"}), api.Env());
  ASSERT_EQ(p.Wait(), 143) << p.err();
  const auto requests = api.requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(nlohmann::json::parse(requests.back().body)["status"], "KILLED");
}

TEST(CaptureMetricPush, ARefusedBatchIsDroppedAndReported) {
  FakeTrackingApi api;
  api.fail_batches = 1;
  api.fail_status = 400;
  Process p(CaptureArgv(Trainer(3, "")), api.Env());
  ASSERT_EQ(p.Wait(), 0) << p.err();
  EXPECT_NE(p.err().find("runledger-capture: the tracking API refused 3 metric points (HTTP 400)"),
            std::string::npos)
      << p.err();
  EXPECT_NE(p.err().find("3 metric points were not delivered"), std::string::npos) << p.err();
  EXPECT_TRUE(api.Points().empty());
  EXPECT_EQ(api.requests().back().path, "/api/2.0/mlflow/runs/update");
}

TEST(CaptureMetricPush, AnUnusableUriTurnsCollectionOffWithANote) {
  auto r = testing::RunToEnd(CaptureArgv({"/bin/sh", "-c", "echo loss=1; exit 4"}),
                             {"MLFLOW_TRACKING_URI=http://tracking.local:5000", "MLFLOW_RUN_ID=r"});
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.out, "loss=1\n");
  EXPECT_NE(r.err.find("runledger-capture: metric collection is off: MLFLOW_TRACKING_URI "
                       "\"http://tracking.local:5000\" is not http://<numeric address>:<port>"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace runledger::capture
