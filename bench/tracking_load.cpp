// tracking_load: the load generator of bench/tracking.sh. It speaks plain
// HTTP/1.1 with keep-alive over loopback to an MLflow-compatible tracking
// server (runledger's operator or `mlflow server`), the same bytes to both,
// so the comparison measures the servers, not two clients.
//
//   tracking_load HOST:PORT TOKEN MODE ARGS...
//     batch   RUN_ID POINTS CONNS SECONDS   log-batch of POINTS points per
//                                           request; prints points_per_s
//     metric  RUN_ID CONNS SECONDS          log-metric; prints req_per_s,
//                                           p50_ms, p99_ms
//     runs    EXPERIMENT_ID N CONNS         creates N runs, each with the
//                                           metric "loss"; prints runs_per_s
//     search  EXPERIMENT_ID REQUESTS        runs/search (filter on loss,
//                                           order_by loss, 100 results);
//                                           prints p50_ms, p99_ms, runs
//
// TOKEN "-" sends no Authorization header. Every answer must be 200, else
// the program stops with the answer on stderr (exit 1): a benchmark of
// refused requests would measure nothing.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "tracking_load: %s\n", why.c_str());
  std::exit(1);
}

struct Target {
  std::string host;
  int port = 0;
  std::string token;
};

// One keep-alive connection; Call sends a request and reads its answer.
class Connection {
 public:
  explicit Connection(const Target& t) : t_(t) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(t.port));
    inet_pton(AF_INET, t.host.c_str(), &addr.sin_addr);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      Die("cannot connect to " + t.host + ":" + std::to_string(t.port));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Connection() { close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The answer's body; dies unless the status is 200.
  std::string Call(const std::string& method, const std::string& path, const std::string& body) {
    std::string req =
        method + " " + path + " HTTP/1.1\r\nHost: " + t_.host +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n";
    if (t_.token != "-") req += "Authorization: Bearer " + t_.token + "\r\n";
    req += "\r\n" + body;
    for (size_t sent = 0; sent < req.size();) {
      const ssize_t n = send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) Die("send failed");
      sent += static_cast<size_t>(n);
    }
    size_t header_end;
    while ((header_end = in_.find("\r\n\r\n")) == std::string::npos) Fill();
    const std::string head = in_.substr(0, header_end);
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    const size_t cl = lower.find("content-length:");
    if (cl == std::string::npos) Die("an answer without Content-Length: " + head);
    const size_t length = std::strtoull(head.c_str() + cl + 15, nullptr, 10);
    while (in_.size() < header_end + 4 + length) Fill();
    std::string answer = in_.substr(header_end + 4, length);
    in_.erase(0, header_end + 4 + length);
    if (head.compare(0, 12, "HTTP/1.1 200") != 0) Die(path + ": " + head + "\n" + answer);
    return answer;
  }

 private:
  void Fill() {
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) Die("the server closed the connection");
    in_.append(buf, static_cast<size_t>(n));
  }

  const Target& t_;
  int fd_ = -1;
  std::string in_;
};

const std::string kApi = "/api/2.0/mlflow/";

std::string BatchBody(const std::string& run_id, int points, int64_t step0) {
  std::string body = "{\"run_id\":\"" + run_id + "\",\"metrics\":[";
  for (int i = 0; i < points; ++i) {
    const int64_t step = step0 + i;
    if (i) body += ',';
    body += "{\"key\":\"loss\",\"value\":" + std::to_string(1.0 / double(step + 1)) +
            ",\"timestamp\":" + std::to_string(1700000000000 + step) +
            ",\"step\":" + std::to_string(step) + "}";
  }
  return body + "]}";
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * double(v.size())))];
}

// Runs `work(connection, worker, i)` on `conns` connections until `seconds`
// pass (or, when `total` > 0, until `total` calls are made); the latencies.
template <typename Work>
std::vector<double> Drive(const Target& t, int conns, double seconds, int64_t total, Work work) {
  std::atomic<int64_t> next{0};
  std::mutex mu;
  std::vector<double> latencies;
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int w = 0; w < conns; ++w) {
    threads.emplace_back([&, w] {
      Connection c(t);
      std::vector<double> mine;
      for (;;) {
        const int64_t i = next++;
        if (total > 0 ? i >= total : Clock::now() >= deadline) break;
        const auto start = Clock::now();
        work(c, w, i);
        mine.push_back(Ms(Clock::now() - start));
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& th : threads) th.join();
  return latencies;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) Die("usage: tracking_load HOST:PORT TOKEN batch|metric|runs|search ARGS...");
  Target t;
  const std::string address = argv[1];
  t.host = address.substr(0, address.find(':'));
  t.port = std::atoi(address.c_str() + address.find(':') + 1);
  t.token = argv[2];
  const std::string mode = argv[3];
  auto arg = [&](int i) -> std::string {
    if (argc <= i) Die("missing arguments for " + mode);
    return argv[i];
  };

  if (mode == "batch") {
    const std::string run = arg(4);
    const int points = std::stoi(arg(5)), conns = std::stoi(arg(6));
    const double seconds = std::stod(arg(7));
    const auto start = Clock::now();
    // Each request a distinct body (its steps), as a real client's would be.
    auto lat = Drive(t, conns, seconds, 0, [&](Connection& c, int, int64_t i) {
      c.Call("POST", kApi + "runs/log-batch", BatchBody(run, points, i * points));
    });
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("points_per_s=%.0f requests=%zu p50_ms=%.2f p99_ms=%.2f\n",
                double(lat.size()) * points / took, lat.size(), Percentile(lat, 0.5),
                Percentile(lat, 0.99));
  } else if (mode == "metric") {
    const std::string run = arg(4);
    const int conns = std::stoi(arg(5));
    const double seconds = std::stod(arg(6));
    const auto start = Clock::now();
    auto lat = Drive(t, conns, seconds, 0, [&](Connection& c, int, int64_t i) {
      c.Call("POST", kApi + "runs/log-metric",
             "{\"run_id\":\"" + run + "\",\"key\":\"m\",\"value\":" + std::to_string(i) +
                 ",\"timestamp\":" + std::to_string(1700000000000 + i) +
                 ",\"step\":" + std::to_string(i) + "}");
    });
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("req_per_s=%.0f p50_ms=%.3f p99_ms=%.3f\n", double(lat.size()) / took,
                Percentile(lat, 0.5), Percentile(lat, 0.99));
  } else if (mode == "runs") {
    const std::string experiment = arg(4);
    const int64_t n = std::stoll(arg(5));
    const int conns = std::stoi(arg(6));
    const auto start = Clock::now();
    Drive(t, conns, 0, n, [&](Connection& c, int, int64_t i) {
      const std::string created =
          c.Call("POST", kApi + "runs/create",
                 "{\"experiment_id\":\"" + experiment + "\",\"run_name\":\"r" + std::to_string(i) +
                     "\",\"start_time\":1700000000000}");
      // "run_id": "<32 hex>", with or without a blank (MLflow indents).
      const size_t key = created.find("\"run_id\"");
      const size_t at = key == std::string::npos ? key : created.find('"', key + 8);
      if (at == std::string::npos) Die("runs/create answered no run_id: " + created);
      const std::string run = created.substr(at + 1, 32);
      c.Call("POST", kApi + "runs/log-metric",
             "{\"run_id\":\"" + run +
                 "\",\"key\":\"loss\",\"value\":" + std::to_string(double(i % 1000) / 1000.0) +
                 ",\"timestamp\":1700000000000,\"step\":0}");
    });
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("runs_per_s=%.1f\n", double(n) / took);
  } else if (mode == "search") {
    const std::string experiment = arg(4);
    const int64_t requests = std::stoll(arg(5));
    const std::string body = "{\"experiment_ids\":[\"" + experiment +
                             "\"],\"filter\":\"metrics.loss < 0.5\","
                             "\"order_by\":[\"metrics.loss ASC\"],\"max_results\":100}";
    size_t runs = 0;
    auto lat = Drive(t, 1, 0, requests, [&](Connection& c, int, int64_t) {
      const std::string answer = c.Call("POST", kApi + "runs/search", body);
      size_t count = 0;
      for (size_t at = 0; (at = answer.find("\"run_uuid\"", at)) != std::string::npos; ++at)
        ++count;
      runs = count;
    });
    std::printf("p50_ms=%.2f p99_ms=%.2f runs=%zu\n", Percentile(lat, 0.5), Percentile(lat, 0.99),
                runs);
  } else {
    Die("unknown mode " + mode);
  }
  return 0;
}
