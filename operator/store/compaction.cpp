// MetricStore compaction: sealed WAL segments -> per-run chunks -> manifest
// -> segment files deleted. The manifest Put is the commit point. The
// decisions are in compaction_plan.h; this file gathers and applies them.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "store/metric_store.h"
#include "store/posix_file.h"

namespace runledger::store {

Status MetricStore::Compact() {
  RETURN_IF_ERROR(wal_->Rotate().status());
  return CompactSealed();
}

Status MetricStore::CompactSealed() {
  MutexLock compacting(compact_mu_);
  View view = Snapshot();
  if (view.sealed_through <= view.manifest->compacted_through) return Status::Ok();
  // A name is never written twice: a manifest Put that reported failure may
  // still have committed, and its chunks must not be overwritten by a
  // retry. The chunks of a failed attempt are orphans (CollectOrphans).
  CompactionInput in{.base = view.manifest,
                     .through = view.sealed_through,
                     .attempt = compaction_attempt_++,
                     .object_prefix = options_.object_prefix,
                     .runs = {}};
  for (const auto& t : view.tables) {
    if (t->sequence() <= view.manifest->compacted_through || t->sequence() > in.through) continue;
    for (const std::string& run : t->Runs()) {
      RunPoints& points = in.runs[run];
      t->CollectRun(run, &points.samples, &points.summaries);
    }
  }
  return ApplyCompactionLockHeld(PlanCompaction(std::move(in)));
}

Status MetricStore::ApplyCompactionLockHeld(CompactionPlan plan) {
  compact_mu_.AssertHeld();  // Two at once would both build on the same base.
  for (const ChunkWrite& c : plan.chunks) {
    Status put = options_.objects->PutString(c.object, c.bytes);
    if (!put.ok()) return put.WithContext("compaction: writing chunk " + c.object);
  }
  {
    MutexLock lock(ids_mu_);
    ids_.Expire(
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.SystemNow().time_since_epoch())
            .count());
    plan.next.recent_ids = ids_.DurableEntries();
  }
  // The commit point: once this Put succeeds, the chunks are the record.
  Status put = options_.objects->PutString(ManifestObject(), EncodeManifest(plan.next));
  if (!put.ok()) return put.WithContext("compaction: writing the manifest");
  uint64_t first_deleted, through = plan.next.compacted_through;
  {
    MutexLock lock(state_mu_);
    first_deleted = manifest_->compacted_through + 1;
    manifest_ = std::make_shared<const Manifest>(std::move(plan.next));
    tables_.erase(tables_.begin(), tables_.upper_bound(through));
    ++stats_.compactions;
    stats_.chunks_written += plan.chunks.size();
    stats_.chunk_bytes += plan.chunk_bytes;
    stats_.chunk_points += plan.chunk_points;
  }
  for (uint64_t seq = first_deleted; seq <= through; ++seq) {
    std::string path = options_.wal_dir + "/" + SegmentFileName(seq);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      // Harmless: recovery deletes segments the manifest covers.
      spdlog::warn("store: could not delete compacted WAL segment {}: {}", path,
                   std::strerror(errno));
    }
  }
  return Status::Ok();
}

Result<size_t> MetricStore::CollectOrphans() {
  MutexLock compacting(compact_mu_);
  return CollectOrphansLockHeld();
}

Result<size_t> MetricStore::CollectOrphansLockHeld() {
  compact_mu_.AssertHeld();  // No compaction may write chunks meanwhile.
  // Referenced: by the manifest in memory, and by the one stored, which is
  // newer when a manifest Put reported failure but committed.
  std::set<std::string> referenced;
  {
    MutexLock lock(state_mu_);
    referenced = ReferencedObjects(*manifest_);
  }
  auto stored = options_.objects->GetString(ManifestObject());
  if (stored.ok()) {
    ASSIGN_OR_RETURN(Manifest m, DecodeManifest(*stored));
    referenced.merge(ReferencedObjects(m));
  } else if (stored.status().code() != Code::kNotFound) {
    return stored.status().WithContext("orphan scan: reading the manifest");
  }
  std::vector<std::string> listed;
  ListRequest req{.prefix = ChunkObjectsPrefix(options_.object_prefix)};
  while (true) {
    ASSIGN_OR_RETURN(ListPage page, options_.objects->List(req));
    for (ObjectInfo& o : page.objects) listed.push_back(std::move(o.key));
    if (page.next_continuation_token.empty()) break;
    req.continuation_token = std::move(page.next_continuation_token);
  }
  OrphanDecision d =
      DecideOrphans(listed, referenced, orphans_seen_, clock_.SteadyNow(), options_.orphan_grace);
  orphans_seen_ = std::move(d.seen);
  size_t deleted = 0;
  Status first_error;
  for (const std::string& object : d.remove) {
    Status s = options_.objects->Delete(object);
    if (s.ok()) {
      ++deleted;
    } else if (first_error.ok()) {
      first_error = s.WithContext("orphan scan: deleting " + object);
      orphans_seen_.emplace(object, Clock::SteadyTime{});  // Due again next scan.
    }
  }
  if (deleted > 0) spdlog::info("store: deleted {} orphaned chunk objects", deleted);
  if (!first_error.ok()) return first_error;
  return deleted;
}

std::chrono::milliseconds MetricStore::RetryDelayLockHeld(int failures) {
  compact_mu_.AssertHeld();  // rng_ is shared with attempt ids.
  auto base = std::chrono::milliseconds(500);
  for (int i = 1; i < failures && base < std::chrono::seconds(30); ++i) base *= 2;
  base = std::min<std::chrono::milliseconds>(base, std::chrono::seconds(30));
  auto half = base.count() / 2;
  return std::chrono::milliseconds(half +
                                   static_cast<int64_t>(rng_() % static_cast<uint64_t>(half + 1)));
}

void MetricStore::CompactionLoop() {
  int failures = 0;
  while (true) {
    {
      MutexLock lock(state_mu_);
      while (!closing_ && SealedWaitingLockHeld() == 0) compact_cv_.wait(state_mu_);
      if (closing_) return;
    }
    Status s = CompactSealed();
    {
      MutexLock lock(state_mu_);
      stats_.last_compaction_error = s;
    }
    std::chrono::milliseconds delay(0);
    {
      MutexLock compacting(compact_mu_);
      if (s.ok()) {
        failures = 0;
        if (clock_.SteadyNow() >= next_orphan_scan_) {
          next_orphan_scan_ = clock_.SteadyNow() + options_.orphan_scan_interval;
          auto collected = CollectOrphansLockHeld();
          if (!collected.ok()) spdlog::warn("store: {}", collected.status().ToString());
        }
      } else {
        delay = RetryDelayLockHeld(++failures);
        spdlog::error("store: compaction failed, retrying in {} ms: {}", delay.count(),
                      s.ToString());
      }
    }
    if (delay.count() > 0 && !clock_.StoppableSleepFor(delay, stop_.get_token())) return;
  }
}

}  // namespace runledger::store
