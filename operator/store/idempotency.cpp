// IdempotencyWindow: a bounded map of recent batch ids, oldest evicted first.
#include "store/idempotency.h"

#include <iterator>

namespace runledger::store {

IdempotencyWindow::State IdempotencyWindow::Lookup(uint64_t id_hash, uint64_t content_hash) const {
  auto it = known_.find(id_hash);
  if (it == known_.end()) return State::kUnknown;
  if (it->second.entry.content_hash != content_hash) return State::kMismatch;
  return it->second.durable ? State::kDurable : State::kInFlight;
}

void IdempotencyWindow::Add(const IdEntry& e, bool durable) {
  auto [it, added] = known_.try_emplace(e.id_hash, Known{e, durable});
  if (!added) return;
  order_.push_back(e.id_hash);
  while (known_.size() > capacity_ && !order_.empty()) {
    known_.erase(order_.front());
    order_.pop_front();
  }
}

void IdempotencyWindow::MarkDurable(uint64_t id_hash) {
  auto it = known_.find(id_hash);
  if (it != known_.end()) it->second.durable = true;
}

void IdempotencyWindow::Forget(uint64_t id_hash) {
  if (known_.erase(id_hash) == 0) return;
  // In-flight ids are recent: search from the back.
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    if (*it == id_hash) {
      order_.erase(std::next(it).base());
      return;
    }
  }
}

void IdempotencyWindow::Expire(int64_t now_ms) {
  while (!order_.empty()) {
    auto it = known_.find(order_.front());
    bool stale = it == known_.end() || now_ms - it->second.entry.time_ms > max_age_ms_ ||
                 known_.size() > capacity_;
    if (!stale) break;
    if (it != known_.end()) known_.erase(it);
    order_.pop_front();
  }
}

std::vector<IdEntry> IdempotencyWindow::DurableEntries() const {
  std::vector<IdEntry> out;
  out.reserve(known_.size());
  for (uint64_t h : order_) {
    auto it = known_.find(h);
    if (it != known_.end() && it->second.durable) {
      out.push_back(it->second.entry);
    }
  }
  return out;
}

}  // namespace runledger::store
