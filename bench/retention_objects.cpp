// retention_objects: the object-store side of bench/retention.sh, with the
// same S3 client the operator uses (store/s3_object_store.h).
//
//   retention_objects fill URI PREFIX RUN_IDS_FILE PER_RUN THREADS
//       PUTs PER_RUN small objects under PREFIX<run id>/files/ for each run
//       id in the file (one per line), from THREADS threads.
//   retention_objects count URI PREFIX      prints objects=N under PREFIX
//   retention_objects raw URI PREFIX
//       the limit: lists every key under PREFIX (1000 per page), then
//       deletes them with DeleteObjects, 1000 keys per call, one call at a
//       time (as a pass does); prints objects=N raw_s=S.
//
// The endpoint and credentials come from the environment (AWS_ENDPOINT_URL,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), as the operator reads them.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "store/s3_object_store.h"

namespace {

using runledger::Status;
using runledger::store::ListRequest;
using runledger::store::S3ObjectStore;

int Fail(const std::string& what) {
  std::fprintf(stderr, "retention_objects: %s\n", what.c_str());
  return 1;
}

// Every key under `prefix`, or the error.
runledger::Result<std::vector<std::string>> Keys(S3ObjectStore& store, const std::string& prefix) {
  std::vector<std::string> keys;
  ListRequest list;
  list.prefix = prefix;
  do {
    auto page = store.List(list);
    if (!page.ok()) return page.status();
    for (const auto& o : page->objects) keys.push_back(o.key);
    list.continuation_token = page->next_continuation_token;
  } while (!list.continuation_token.empty());
  return keys;
}

int Fill(S3ObjectStore& store, const std::string& prefix, const std::string& ids_file, int per_run,
         int threads) {
  std::vector<std::string> ids;
  std::ifstream in(ids_file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) ids.push_back(line);
  }
  std::vector<std::string> keys;
  for (const auto& id : ids) {
    for (int i = 0; i < per_run; ++i) keys.push_back(prefix + id + "/files/" + std::to_string(i));
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < keys.size() && !failed; i = next++) {
        Status put = store.PutString(keys[i], "checkpoint shard " + std::to_string(i));
        if (!put.ok()) {
          std::fprintf(stderr, "retention_objects: put %s: %s\n", keys[i].c_str(),
                       put.ToString().c_str());
          failed = true;
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  if (failed) return 1;
  std::printf("objects=%zu\n", keys.size());
  return 0;
}

int Raw(S3ObjectStore& store, const std::string& prefix) {
  const auto start = std::chrono::steady_clock::now();
  auto keys = Keys(store, prefix);
  if (!keys.ok()) return Fail("list: " + keys.status().ToString());
  for (size_t at = 0; at < keys->size(); at += 1000) {
    const size_t n = std::min<size_t>(1000, keys->size() - at);
    Status deleted = store.DeleteMany({keys->data() + at, n});
    if (!deleted.ok()) return Fail("delete: " + deleted.ToString());
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("objects=%zu raw_s=%.3f\n", keys->size(), took.count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 3) return Fail("usage: fill|count|raw URI PREFIX ...");
  auto store = S3ObjectStore::Open(args[1], runledger::store::S3SettingsFromEnvironment());
  if (!store.ok()) return Fail("open " + args[1] + ": " + store.status().ToString());
  if (args[0] == "fill" && args.size() == 6) {
    return Fill(**store, args[2], args[3], std::stoi(args[4]), std::stoi(args[5]));
  }
  if (args[0] == "count") {
    auto keys = Keys(**store, args[2]);
    if (!keys.ok()) return Fail("list: " + keys.status().ToString());
    std::printf("objects=%zu\n", keys->size());
    return 0;
  }
  if (args[0] == "raw") return Raw(**store, args[2]);
  return Fail("usage: fill|count|raw URI PREFIX ...");
}
