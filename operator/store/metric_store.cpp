// MetricStore: open/recover, append with idempotency, and reads.
#include "store/metric_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <random>

#include "store/batch_codec.h"
#include "store/chunk.h"
#include "store/coding.h"
#include "store/hash.h"

namespace runledger::store {
namespace {

int64_t NowMs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.SystemNow().time_since_epoch())
      .count();
}

// Page tokens: "step:timestamp:valuebits:count", the last sample returned
// and how many samples equal to it were returned so far.
std::string EncodeToken(const Sample& s, uint64_t count) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%" PRId64 ":%" PRId64 ":%016" PRIx64 ":%" PRIu64, s.step,
                s.timestamp_ms, DoubleBits(s.value), count);
  return buf;
}

bool DecodeToken(const std::string& token, Sample* s, uint64_t* count) {
  uint64_t bits;
  int used = 0;
  if (std::sscanf(token.c_str(), "%" SCNd64 ":%" SCNd64 ":%" SCNx64 ":%" SCNu64 "%n", &s->step,
                  &s->timestamp_ms, &bits, count, &used) != 4 ||
      static_cast<size_t>(used) != token.size()) {
    return false;
  }
  s->value = BitsDouble(bits);
  return true;
}

uint64_t SeedOf(const MetricStoreOptions& options) {
  if (options.random_seed != 0) return options.random_seed;
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

}  // namespace

MetricStore::MetricStore(MetricStoreOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : Clock::Real()),
      cache_(options_.cache_bytes),
      rng_(SeedOf(options_)),
      // Random across instances (a name is never written twice, even by a
      // store that restarted), counting up within one.
      compaction_attempt_(rng_()),
      next_orphan_scan_(clock_.SteadyNow()),
      manifest_(std::make_shared<const Manifest>()),
      ids_(options_.idempotency_capacity, options_.idempotency_max_age) {}

Result<std::unique_ptr<MetricStore>> MetricStore::Open(MetricStoreOptions options) {
  if (options.objects == nullptr) return InvalidArgument("MetricStore needs an object store");
  if (options.wal_dir.empty()) return InvalidArgument("MetricStore needs a WAL directory");
  std::unique_ptr<MetricStore> store(new MetricStore(std::move(options)));
  RETURN_IF_ERROR(store->Recover());
  if (store->options_.background_compaction) {
    store->compactor_ = std::thread([s = store.get()] { s->CompactionLoop(); });
  }
  return store;
}

MetricStore::~MetricStore() { Close(); }

void MetricStore::Close() {
  {
    MutexLock lock(state_mu_);
    closing_ = true;
  }
  stop_.request_stop();
  compact_cv_.notify_all();
  if (compactor_.joinable()) compactor_.join();
}

Status MetricStore::Health() const {
  Status wal = wal_->error();
  if (wal.ok() || wal.code() == Code::kResourceExhausted) return Status::Ok();
  return Status(wal.code(),
                "metric WAL stopped until the store is reopened (restart): " + wal.message());
}

MetricStore::View MetricStore::Snapshot() const {
  MutexLock lock(state_mu_);
  View v{manifest_, {}, active_sequence_ - 1};
  v.tables.reserve(tables_.size());
  for (const auto& [seq, t] : tables_) v.tables.push_back(t);
  return v;
}

uint64_t MetricStore::SealedWaitingLockHeld() const {
  state_mu_.AssertHeld();
  // Every segment below the active one is sealed; those above
  // compacted_through are not in the manifest yet.
  return active_sequence_ - 1 - manifest_->compacted_through;
}

Status MetricStore::Recover() {
  auto bytes = options_.objects->GetString(ManifestObject());
  if (bytes.ok()) {
    ASSIGN_OR_RETURN(Manifest m, DecodeManifest(*bytes));
    manifest_ = std::make_shared<const Manifest>(std::move(m));
  } else if (bytes.status().code() != Code::kNotFound) {
    return bytes.status().WithContext("reading the metric manifest");
  }
  for (const IdEntry& e : manifest_->recent_ids) ids_.Add(e, /*durable=*/true);

  WalBatch batch;
  ASSIGN_OR_RETURN(WalRecovery rec,
                   RecoverWal(options_.wal_dir, manifest_->compacted_through + 1,
                              [&](uint64_t seq, std::string_view payload) -> Status {
                                uint64_t content;
                                RETURN_IF_ERROR(DecodeWalBatch(payload, &batch, &content));
                                TableFor(seq)->Insert(batch);
                                if (!batch.idempotency_id.empty()) {
                                  MutexLock lock(ids_mu_);
                                  ids_.Add({IdHash(batch.run_id, batch.idempotency_id), content,
                                            batch.append_time_ms},
                                           /*durable=*/true);
                                }
                                return Status::Ok();
                              }));
  if (rec.truncated_bytes > 0 || !rec.segments.empty()) {
    spdlog::info("store: recovered {} WAL segments, torn tail of {} bytes truncated",
                 rec.segments.size(), rec.truncated_bytes);
  }
  active_sequence_ = rec.next_sequence;
  WalOptions wal_options{.dir = options_.wal_dir, .segment_bytes = options_.segment_bytes};
  if (options_.wal_file_factory) wal_options.create_file = options_.wal_file_factory;
  wal_options.on_seal = [this](uint64_t sealed) {
    {
      MutexLock lock(state_mu_);
      active_sequence_ = sealed + 1;
    }
    compact_cv_.notify_all();
  };
  ASSIGN_OR_RETURN(wal_, Wal::Open(std::move(wal_options), rec.next_sequence));
  return Status::Ok();
}

std::shared_ptr<SegmentTable> MetricStore::TableFor(uint64_t sequence) {
  MutexLock lock(state_mu_);
  auto& t = tables_[sequence];
  if (!t) t = std::make_shared<SegmentTable>(sequence);
  return t;
}

uint64_t MetricStore::IdHash(const std::string& run, const std::string& id) const {
  return Hash64(id, Hash64(run));
}

Status MetricStore::Append(const Batch& batch) {
  ASSIGN_OR_RETURN(WalBatch wb, ToWalBatch(batch, NowMs(clock_)));
  std::string payload;
  payload.reserve(64 + 12 * wb.samples.size());
  uint64_t content = EncodeWalBatch(wb, &payload);
  Status s =
      wb.idempotency_id.empty() ? AppendToWal(wb, payload) : AppendIdempotent(wb, payload, content);
  if (s.ok()) {
    batches_.fetch_add(1, std::memory_order_relaxed);
    points_.fetch_add(wb.samples.size(), std::memory_order_relaxed);
  }
  return s;
}

Status MetricStore::AppendIdempotent(const WalBatch& wb, const std::string& payload,
                                     uint64_t content) {
  uint64_t id = IdHash(wb.run_id, wb.idempotency_id);
  {
    MutexLock lock(ids_mu_);
    while (true) {
      switch (ids_.Lookup(id, content)) {
        case IdempotencyWindow::State::kDurable:
          duplicates_.fetch_add(1, std::memory_order_relaxed);
          return Status::Ok();
        case IdempotencyWindow::State::kMismatch:
          return InvalidArgument("idempotency id \"" + wb.idempotency_id + "\" of run \"" +
                                 wb.run_id + "\" was used before for different points");
        case IdempotencyWindow::State::kInFlight:
          ids_cv_.wait(ids_mu_);  // The first attempt is writing; wait for its outcome.
          continue;
        case IdempotencyWindow::State::kUnknown: break;
      }
      break;
    }
    ids_.Expire(wb.append_time_ms);
    ids_.Add({id, content, wb.append_time_ms}, /*durable=*/false);
  }
  // The id is marked durable by the WAL leader, with the points (see
  // AppendToWal); only a failure is left to record here.
  Status s = AppendToWal(wb, payload, id);
  if (!s.ok()) {
    MutexLock lock(ids_mu_);
    ids_.Forget(id);
  }
  ids_cv_.notify_all();
  return s;
}

Status MetricStore::AppendToWal(const WalBatch& wb, const std::string& payload,
                                std::optional<uint64_t> durable_id) {
  {
    MutexLock lock(state_mu_);
    uint64_t waiting = SealedWaitingLockHeld();
    if (waiting > options_.max_sealed_segments) {
      return Status(Code::kResourceExhausted,
                    "metric compaction is behind: " + std::to_string(waiting) +
                        " sealed WAL segments wait for the object store (last error: " +
                        stats_.last_compaction_error.ToString() + ")");
    }
  }
  // Runs on the WAL leader after the sync, so readers see only durable
  // points. The idempotency id is marked durable here too, before the points
  // become visible: a compaction that seals this segment next must find the
  // id durable and keep it in the manifest, or a retry after a restart would
  // store the batch twice.
  return wal_->Append(payload, [&](uint64_t seq) {
    if (durable_id) {
      MutexLock lock(ids_mu_);
      ids_.MarkDurable(*durable_id);
    }
    TableFor(seq)->Insert(wb);
  });
}

Result<std::shared_ptr<const std::string>> MetricStore::FetchChunk(
    const std::string& object) const {
  if (auto hit = cache_.Get(object)) return hit;
  ASSIGN_OR_RETURN(std::string bytes, options_.objects->GetString(object));
  // Verify the checksum once, as the bytes enter the cache.
  auto reader = ChunkReader::Open(bytes, /*verify_crc=*/true);
  if (!reader.ok()) return reader.status().WithContext("chunk " + object);
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  cache_.Insert(object, shared);
  return shared;
}

Result<HistoryPage> MetricStore::History(const HistoryRequest& req) const {
  if (req.max_results == 0) return InvalidArgument("max_results must be at least 1");
  Sample after;
  uint64_t after_count = 0;
  bool has_token = !req.page_token.empty();
  if (has_token && !DecodeToken(req.page_token, &after, &after_count)) {
    return InvalidArgument("malformed page token \"" + req.page_token + "\"");
  }
  const View view = Snapshot();
  const auto& manifest = view.manifest;
  const auto& tables = view.tables;
  // Each source is cut to the samples this page can need: from the token on
  // (step range pruned first), at most `want` of them. A page thus costs its
  // own size plus the decoding of the chunks it overlaps, not the history.
  const int64_t min_step = has_token ? std::max(req.min_step, after.step) : req.min_step;
  const size_t want = static_cast<size_t>(after_count) + req.max_results;
  std::vector<Sample> all, source;
  bool cut = false;  // Some source had more than `want`: more pages follow.
  auto take = [&] {
    if (!std::is_sorted(source.begin(), source.end(), HistoryLess)) {
      std::sort(source.begin(), source.end(), HistoryLess);
    }
    auto from = has_token ? std::lower_bound(source.begin(), source.end(), after, HistoryLess)
                          : source.begin();
    auto n = std::min<size_t>(want, static_cast<size_t>(source.end() - from));
    cut = cut || n < static_cast<size_t>(source.end() - from);
    all.insert(all.end(), from, from + static_cast<ptrdiff_t>(n));
    source.clear();
  };
  auto run = manifest->runs.find(req.run_id);
  if (run != manifest->runs.end()) {
    for (const ChunkRef& ref : run->second->chunks) {
      if (ref.max_step < min_step || ref.min_step > req.max_step) continue;
      ASSIGN_OR_RETURN(auto bytes, FetchChunk(ref.object));
      ASSIGN_OR_RETURN(ChunkReader reader, ChunkReader::Open(*bytes, /*verify_crc=*/false));
      if (const auto* e = reader.Find(req.key)) {
        Status s = reader.Read(*e, min_step, req.max_step, &source);
        if (!s.ok()) return s.WithContext("chunk " + ref.object);
        take();
      }
    }
  }
  for (const auto& t : tables) {
    t->Read(req.run_id, req.key, min_step, req.max_step, &source);
    take();
  }
  if (!std::is_sorted(all.begin(), all.end(), HistoryLess)) {
    std::sort(all.begin(), all.end(), HistoryLess);
  }
  // `all` starts at the token's sample; skip the copies of it already returned.
  size_t begin = 0;
  if (has_token) {
    while (begin < after_count && begin < all.size() && all[begin] == after) ++begin;
  }
  size_t end = std::min(all.size(), begin + req.max_results);
  HistoryPage page;
  page.samples.assign(all.begin() + static_cast<ptrdiff_t>(begin),
                      all.begin() + static_cast<ptrdiff_t>(end));
  if (end > begin && (end < all.size() || cut)) {
    const Sample& last = all[end - 1];
    auto first_equal = std::lower_bound(all.begin(), all.end(), last, HistoryLess) - all.begin();
    uint64_t equal = end - static_cast<size_t>(first_equal);
    // Copies of the token's sample returned on earlier pages count too.
    if (has_token && last == after) equal += after_count - begin;
    page.next_page_token = EncodeToken(last, equal);
  }
  return page;
}

Result<std::map<std::string, Summary>> MetricStore::Summaries(std::string_view run_id) const {
  std::string run(run_id);
  const View view = Snapshot();
  const auto& manifest = view.manifest;
  const auto& tables = view.tables;
  std::map<std::string, Summary> out;
  auto it = manifest->runs.find(run);
  if (it != manifest->runs.end()) out = it->second->keys;
  for (const auto& t : tables) t->MergeSummaries(run, &out);
  return out;
}

Result<std::vector<Point>> MetricStore::Latest(std::string_view run_id) const {
  ASSIGN_OR_RETURN(auto summaries, Summaries(run_id));
  std::vector<Point> out;
  out.reserve(summaries.size());
  for (const auto& [key, s] : summaries) {
    out.push_back(Point{key, s.last.value, s.last.timestamp_ms, s.last.step});
  }
  return out;
}

MetricStoreStats MetricStore::stats() const {
  MutexLock lock(state_mu_);
  MetricStoreStats s = stats_;
  s.batches = batches_.load();
  s.points = points_.load();
  s.duplicate_batches = duplicates_.load();
  s.sealed_segments_waiting = SealedWaitingLockHeld();
  return s;
}

}  // namespace runledger::store
