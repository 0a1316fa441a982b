// SegmentTable: in-memory points of one WAL segment, snapshot-readable.
#include "store/memtable.h"

namespace runledger::store {

void SampleLog::Append(const Sample& s) {
  if (blocks_.empty() || in_last_ == BlockCapacity(blocks_.size() - 1)) {
    blocks_.push_back(std::shared_ptr<Sample[]>(new Sample[BlockCapacity(blocks_.size())]));
    in_last_ = 0;
  }
  blocks_.back()[in_last_++] = s;
  ++size_;
}

SampleLog::Snapshot SampleLog::Snap() const {
  Snapshot snap;
  snap.blocks.assign(blocks_.begin(), blocks_.end());
  snap.size = size_;
  return snap;
}

void SampleLog::Snapshot::CopyTo(int64_t min_step, int64_t max_step,
                                 std::vector<Sample>* out) const {
  size_t left = size;
  for (size_t b = 0; b < blocks.size() && left > 0; ++b) {
    size_t n = std::min(left, BlockCapacity(b));
    const Sample* p = blocks[b].get();
    for (size_t i = 0; i < n; ++i) {
      if (p[i].step >= min_step && p[i].step <= max_step) out->push_back(p[i]);
    }
    left -= n;
  }
}

void SegmentTable::Insert(const WalBatch& batch) {
  MutexLock lock(mu_);
  RunData& run = runs_[batch.run_id];
  std::vector<KeyData*> keys;
  keys.reserve(batch.keys.size());
  for (const auto& k : batch.keys) keys.push_back(&run[k]);
  for (size_t i = 0; i < batch.samples.size(); ++i) {
    KeyData* kd = keys[batch.key_of[i]];
    kd->samples.Append(batch.samples[i]);
    kd->summary.Add(batch.samples[i]);
  }
  points_ += batch.samples.size();
}

void SegmentTable::Read(const std::string& run, const std::string& key, int64_t min_step,
                        int64_t max_step, std::vector<Sample>* out) const {
  SampleLog::Snapshot snap;
  {
    MutexLock lock(mu_);
    auto r = runs_.find(run);
    if (r == runs_.end()) return;
    auto k = r->second.find(key);
    if (k == r->second.end()) return;
    snap = k->second.samples.Snap();
  }
  snap.CopyTo(min_step, max_step, out);
}

void SegmentTable::MergeSummaries(const std::string& run,
                                  std::map<std::string, Summary>* out) const {
  MutexLock lock(mu_);
  auto r = runs_.find(run);
  if (r == runs_.end()) return;
  for (const auto& [key, kd] : r->second) (*out)[key].Merge(kd.summary);
}

std::vector<std::string> SegmentTable::Runs() const {
  MutexLock lock(mu_);
  std::vector<std::string> out;
  out.reserve(runs_.size());
  for (const auto& [run, data] : runs_) out.push_back(run);
  return out;
}

void SegmentTable::CollectRun(const std::string& run,
                              std::map<std::string, std::vector<Sample>>* samples,
                              std::map<std::string, Summary>* summaries) const {
  std::vector<std::pair<const std::string*, SampleLog::Snapshot>> snaps;
  {
    MutexLock lock(mu_);
    auto r = runs_.find(run);
    if (r == runs_.end()) return;
    for (const auto& [key, kd] : r->second) {
      snaps.emplace_back(&key, kd.samples.Snap());
      (*summaries)[key].Merge(kd.summary);
    }
  }
  // Keys are never erased, so the key strings outlive the lock.
  for (const auto& [key, snap] : snaps) {
    snap.CopyTo(INT64_MIN, INT64_MAX, &(*samples)[*key]);
  }
}

uint64_t SegmentTable::points() const {
  MutexLock lock(mu_);
  return points_;
}

}  // namespace runledger::store
