// MetricStore compaction: sealed WAL segments -> per-run chunks -> manifest
// -> segment files deleted. The manifest Put is the commit point.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "store/chunk.h"
#include "store/metric_store.h"
#include "store/posix_file.h"

namespace runledger::store {
namespace {

// Run ids become one key segment: keep [A-Za-z0-9_-], percent-encode the rest.
std::string EscapeRun(const std::string& run) {
  std::string out;
  for (unsigned char c : run) {
    if (std::isalnum(c) || c == '_' || c == '-') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

std::string MetricStore::ChunkObject(const std::string& run, uint64_t generation, uint64_t attempt,
                                     size_t part) const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "/%016llu-%016llx-%zu.rlc",
                static_cast<unsigned long long>(generation),
                static_cast<unsigned long long>(attempt), part);
  return options_.object_prefix + "runs/" + EscapeRun(run) + buf;
}

Status MetricStore::Compact() {
  RETURN_IF_ERROR(wal_->Rotate().status());
  return CompactSealed();
}

Status MetricStore::CompactSealed() {
  std::lock_guard compacting(compact_mu_);
  std::shared_ptr<const Manifest> base;
  std::vector<std::shared_ptr<SegmentTable>> tables;
  uint64_t through;
  {
    std::lock_guard lock(state_mu_);
    base = manifest_;
    through = active_sequence_ - 1;  // Every segment below the active one is sealed.
    if (through <= base->compacted_through) return Status::Ok();
    for (const auto& [seq, t] : tables_) {
      if (seq > base->compacted_through && seq <= through) tables.push_back(t);
    }
  }
  // A name is never written twice: a manifest Put that reported failure may
  // still have committed, and its chunks must not be overwritten by a
  // retry that reuses its generation.
  const uint64_t attempt = compaction_attempt_++;
  Manifest next = *base;  // Copies pointers to the runs' indexes, not the indexes.
  next.generation = base->generation + 1;
  next.compacted_through = through;
  std::set<std::string> runs;
  for (const auto& t : tables) {
    for (auto& r : t->Runs()) runs.insert(std::move(r));
  }
  uint64_t chunks = 0, chunk_bytes = 0, chunk_points = 0;
  for (const std::string& run : runs) {
    std::map<std::string, std::vector<Sample>> samples;
    std::map<std::string, Summary> summaries;
    for (const auto& t : tables) t->CollectRun(run, &samples, &summaries);
    size_t longest = 0;
    for (auto& [key, v] : samples) {
      if (!std::is_sorted(v.begin(), v.end(), HistoryLess))
        std::sort(v.begin(), v.end(), HistoryLess);
      longest = std::max(longest, v.size());
    }
    auto it = next.runs.find(run);
    auto index = it != next.runs.end() ? std::make_shared<RunIndex>(*it->second)
                                       : std::make_shared<RunIndex>();
    // Part p holds samples [p*N, (p+1)*N) of every key (N = kMaxChunkKeyPoints).
    for (size_t part = 0; part * kMaxChunkKeyPoints < longest; ++part) {
      std::vector<Series> series;
      ChunkRef ref;
      bool first = true;
      for (const auto& [key, v] : samples) {
        size_t lo = part * kMaxChunkKeyPoints;
        if (lo >= v.size()) continue;
        size_t hi = std::min<size_t>(v.size(), lo + kMaxChunkKeyPoints);
        series.push_back(Series{key, std::vector<Sample>(v.begin() + static_cast<ptrdiff_t>(lo),
                                                         v.begin() + static_cast<ptrdiff_t>(hi))});
        ref.min_step = first ? v[lo].step : std::min(ref.min_step, v[lo].step);
        ref.max_step = first ? v[hi - 1].step : std::max(ref.max_step, v[hi - 1].step);
        ref.points += hi - lo;
        first = false;
      }
      std::string bytes = EncodeChunk(series);
      ref.object = ChunkObject(run, next.generation, attempt, part);
      ref.bytes = bytes.size();
      Status put = options_.objects->PutString(ref.object, bytes);
      if (!put.ok()) return put.WithContext("compaction: writing chunk");
      ++chunks;
      chunk_bytes += ref.bytes;
      chunk_points += ref.points;
      index->chunks.push_back(std::move(ref));
    }
    for (const auto& [key, s] : summaries) index->keys[key].Merge(s);
    next.runs[run] = std::move(index);
  }
  {
    std::lock_guard lock(ids_mu_);
    ids_.Expire(
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.SystemNow().time_since_epoch())
            .count());
    next.recent_ids = ids_.DurableEntries();
  }
  // The commit point: once this Put succeeds, the chunks are the record.
  Status put = options_.objects->PutString(ManifestObject(), EncodeManifest(next));
  if (!put.ok()) return put.WithContext("compaction: writing the manifest");
  uint64_t first_deleted = base->compacted_through + 1;
  {
    std::lock_guard lock(state_mu_);
    manifest_ = std::make_shared<const Manifest>(std::move(next));
    tables_.erase(tables_.begin(), tables_.upper_bound(through));
    ++stats_.compactions;
    stats_.chunks_written += chunks;
    stats_.chunk_bytes += chunk_bytes;
    stats_.chunk_points += chunk_points;
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

void MetricStore::CompactionLoop() {
  auto backoff = std::chrono::milliseconds(0);
  while (true) {
    {
      std::unique_lock lock(state_mu_);
      auto ready = [&] { return closing_ || active_sequence_ - 1 > manifest_->compacted_through; };
      if (backoff.count() > 0) {
        compact_cv_.wait_for(lock, backoff, [&] { return closing_; });
      } else {
        compact_cv_.wait(lock, ready);
      }
      if (closing_) return;
      if (!ready()) continue;
    }
    Status s = CompactSealed();
    std::lock_guard lock(state_mu_);
    stats_.last_compaction_error = s;
    if (s.ok()) {
      backoff = std::chrono::milliseconds(0);
    } else {
      backoff =
          std::clamp(backoff * 2, std::chrono::milliseconds(500), std::chrono::milliseconds(30000));
      spdlog::error("store: compaction failed, retrying in {} ms: {}", backoff.count(),
                    s.ToString());
    }
  }
}

}  // namespace runledger::store
