// IdempotencyWindow: a bounded map of recent batch ids, oldest evicted
// first; ids in flight are kept apart and never evicted.
#include "store/idempotency.h"

#include <iterator>

namespace runledger::store {

IdempotencyWindow::State IdempotencyWindow::Lookup(uint64_t id_hash, uint64_t content_hash) const {
  const IdEntry* e = nullptr;
  bool durable = false;
  if (auto it = in_flight_.find(id_hash); it != in_flight_.end()) {
    e = &it->second;
  } else if (auto d = durable_.find(id_hash); d != durable_.end()) {
    e = &d->second;
    durable = true;
  }
  if (e == nullptr) return State::kUnknown;
  if (e->content_hash != content_hash) return State::kMismatch;
  return durable ? State::kDurable : State::kInFlight;
}

void IdempotencyWindow::Add(const IdEntry& e, bool durable) {
  if (in_flight_.contains(e.id_hash) || durable_.contains(e.id_hash)) return;
  if (durable) {
    AddDurable(e);
  } else {
    in_flight_.emplace(e.id_hash, e);
  }
}

void IdempotencyWindow::AddDurable(const IdEntry& e) {
  if (!durable_.emplace(e.id_hash, e).second) return;
  order_.push_back(e.id_hash);
  // Only durable ids count against the capacity: evicting one in flight
  // would let a retry of that batch be stored a second time.
  while (durable_.size() > capacity_) {
    durable_.erase(order_.front());
    order_.pop_front();
  }
}

void IdempotencyWindow::MarkDurable(uint64_t id_hash) {
  auto it = in_flight_.find(id_hash);
  if (it == in_flight_.end()) return;
  IdEntry e = it->second;
  in_flight_.erase(it);
  AddDurable(e);
}

void IdempotencyWindow::Forget(uint64_t id_hash) { in_flight_.erase(id_hash); }

void IdempotencyWindow::Expire(int64_t now_ms) {
  while (!order_.empty()) {
    auto it = durable_.find(order_.front());
    bool stale = it == durable_.end() || now_ms - it->second.time_ms > max_age_ms_;
    if (!stale) break;
    if (it != durable_.end()) durable_.erase(it);
    order_.pop_front();
  }
}

std::vector<IdEntry> IdempotencyWindow::DurableEntries() const {
  std::vector<IdEntry> out;
  out.reserve(durable_.size());
  for (uint64_t h : order_) {
    auto it = durable_.find(h);
    if (it != durable_.end()) out.push_back(it->second);
  }
  return out;
}

}  // namespace runledger::store
