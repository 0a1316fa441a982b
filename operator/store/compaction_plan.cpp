// Compaction's pure decisions: the chunks and manifest of one compaction,
// and which unreferenced chunk objects to collect.
#include "store/compaction_plan.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "store/chunk.h"

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

std::string ChunkObjectsPrefix(const std::string& prefix) { return prefix + "runs/"; }

std::string ChunkObjectName(const std::string& prefix, const std::string& run, uint64_t generation,
                            uint64_t attempt, size_t part) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "/%016llu-%016llx-%zu.rlc",
                static_cast<unsigned long long>(generation),
                static_cast<unsigned long long>(attempt), part);
  return ChunkObjectsPrefix(prefix) + EscapeRun(run) + buf;
}

CompactionPlan PlanCompaction(CompactionInput in) {
  CompactionPlan plan;
  plan.next = *in.base;  // Copies pointers to the runs' indexes, not the indexes.
  plan.next.generation = in.base->generation + 1;
  plan.next.compacted_through = in.through;
  for (auto& [run, points] : in.runs) {
    size_t longest = 0;
    for (auto& [key, v] : points.samples) {
      if (!std::is_sorted(v.begin(), v.end(), HistoryLess)) {
        std::sort(v.begin(), v.end(), HistoryLess);
      }
      longest = std::max(longest, v.size());
    }
    auto it = plan.next.runs.find(run);
    auto index = it != plan.next.runs.end() ? std::make_shared<RunIndex>(*it->second)
                                            : std::make_shared<RunIndex>();
    for (size_t part = 0; part * kMaxChunkKeyPoints < longest; ++part) {
      std::vector<Series> series;
      ChunkRef ref;
      bool first = true;
      for (const auto& [key, v] : points.samples) {
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
      ChunkWrite write{
          ChunkObjectName(in.object_prefix, run, plan.next.generation, in.attempt, part),
          EncodeChunk(series)};
      ref.object = write.object;
      ref.bytes = write.bytes.size();
      plan.chunk_bytes += ref.bytes;
      plan.chunk_points += ref.points;
      index->chunks.push_back(std::move(ref));
      plan.chunks.push_back(std::move(write));
    }
    for (const auto& [key, s] : points.summaries) index->keys[key].Merge(s);
    plan.next.runs[run] = std::move(index);
  }
  return plan;
}

std::set<std::string> ReferencedObjects(const Manifest& m) {
  std::set<std::string> out;
  for (const auto& [run, index] : m.runs) {
    for (const ChunkRef& c : index->chunks) out.insert(c.object);
  }
  return out;
}

OrphanDecision DecideOrphans(
    const std::vector<std::string>& listed, const std::set<std::string>& referenced,
    const std::map<std::string, std::chrono::steady_clock::time_point>& seen,
    std::chrono::steady_clock::time_point now, std::chrono::steady_clock::duration grace) {
  OrphanDecision d;
  for (const std::string& object : listed) {
    if (referenced.contains(object)) continue;
    auto it = seen.find(object);
    if (it == seen.end()) {
      d.seen.emplace(object, now);
    } else if (now - it->second >= grace) {
      d.remove.push_back(object);
    } else {
      d.seen.emplace(object, it->second);
    }
  }
  return d;
}

}  // namespace runledger::store
