// store_child: appends deterministic batches to a MetricStore and reports
// each acknowledgement on stdout, for the crash and disk-full tests.
//
//   store_child crash WAL_DIR OBJECT_DIR RETRY_FROM RETRY_TO START
//     Re-appends batches [RETRY_FROM, RETRY_TO) (a client retrying after a
//     crash), then appends START, START+1, ... until killed.
//   store_child fsize WAL_DIR OBJECT_DIR LIMIT_BYTES START
//     Sets the soft RLIMIT_FSIZE (SIGXFSZ ignored) and appends until Append
//     fails; then lifts the limit (space is free again), retries the
//     failed batch and appends 20 more, and exits 0 (1 if one fails).
// Output lines: "ack K", "error CODE MESSAGE", "freed", "again CODE MESSAGE",
// "health CODE".
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "child_batches.h"
#include "store/metric_store.h"

using namespace runledger;
using namespace runledger::store;

namespace {

void Say(const std::string& line) {
  std::string l = line + "\n";
  // One write(2) per line: the parent must see every ack made before a kill.
  if (::write(1, l.data(), l.size()) != static_cast<ssize_t>(l.size())) std::_Exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) return 2;
  std::string mode = argv[1];
  bool crash = mode == "crash";
  if (!crash && mode != "fsize") return 2;
  if (crash && argc < 7) return 2;
  if (!crash) {
    std::signal(SIGXFSZ, SIG_IGN);
    // Only the soft limit: the child lifts it later, as an operator frees space.
    rlimit lim{std::strtoull(argv[4], nullptr, 10), RLIM_INFINITY};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) return 4;
  }
  auto objects = ObjectStore::Open(std::string("file://") + argv[3]);
  if (!objects.ok()) {
    Say("error open " + objects.status().ToString());
    return 5;
  }
  MetricStoreOptions opts{.wal_dir = argv[2],
                          .objects = objects->get(),
                          .segment_bytes = crash ? 48u << 10 : 64u << 20,
                          .background_compaction = crash};
  auto store = MetricStore::Open(opts);
  if (!store.ok()) {
    Say("error open " + store.status().ToString());
    return 6;
  }
  auto append = [&](uint64_t k) {
    Status s = (*store)->Append(testing::ChildBatch(k));
    if (s.ok()) Say("ack " + std::to_string(k));
    return s;
  };
  if (crash) {
    for (uint64_t k = std::strtoull(argv[4], nullptr, 10); k < std::strtoull(argv[5], nullptr, 10);
         ++k) {
      if (!append(k).ok()) return 7;
    }
    for (uint64_t k = std::strtoull(argv[6], nullptr, 10);; ++k) {
      Status s = append(k);
      if (!s.ok()) {
        Say("error " + std::string(CodeName(s.code())) + " " + s.message());
        return 7;
      }
      if (k % 50 == 0) (*store)->Compact().IgnoreError();  // Compaction mid-crash too.
      ::usleep(300);  // Bounds the data a round makes, so checking stays fast.
    }
  }
  for (uint64_t k = std::strtoull(argv[5], nullptr, 10);; ++k) {
    Status s = append(k);
    if (!s.ok()) {
      Say("error " + std::string(CodeName(s.code())) + " " + s.message());
      rlimit lim{RLIM_INFINITY, RLIM_INFINITY};
      if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) return 4;
      Say("freed");
      for (uint64_t next = k; next <= k + 20; ++next) {
        Status again = append(next);  // The failed batch first, as its client retries it.
        if (!again.ok()) {
          Say("again " + std::string(CodeName(again.code())) + " " + again.message());
          return 1;
        }
      }
      Say("health " + std::string(CodeName((*store)->Health().code())));
      return 0;
    }
  }
}
