#include "runtime/work_queue.h"

#include <algorithm>

namespace runledger::runtime {

WorkQueue::WorkQueue(const Clock& clock, QueueOptions options, QueueObserver* observer)
    : clock_(clock),
      options_(options),
      observer_(observer),
      bucket_tokens_(options.overall_burst),
      bucket_last_(clock.SteadyNow()) {}

void WorkQueue::Add(const std::string& key) {
  size_t depth;
  {
    MutexLock lock(mu_);
    if (shutting_down_) return;
    AddLockHeld(key);
    depth = queue_.size();
  }
  cv_.notify_one();
  if (observer_) {
    observer_->OnAdd();
    observer_->OnDepth(depth);
  }
}

void WorkQueue::AddLockHeld(const std::string& key) {
  mu_.AssertHeld();
  if (dirty_.count(key)) return;
  dirty_.emplace(key, Pending{clock_.SteadyNow()});
  // In flight: Done queues it again, so one worker at a time sees the key.
  if (processing_.count(key)) return;
  queue_.push_back(key);
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::nanoseconds delay) {
  if (delay <= std::chrono::nanoseconds::zero()) return Add(key);
  {
    MutexLock lock(mu_);
    if (shutting_down_) return;
    const auto ready = clock_.SteadyNow() + delay;
    auto [it, inserted] = delayed_.emplace(key, ready);
    if (!inserted) it->second = std::min(it->second, ready);
  }
  // A waiting Get may need to wake earlier than it planned.
  cv_.notify_all();
}

std::chrono::nanoseconds WorkQueue::BucketDelayLockHeld() {
  if (options_.overall_qps <= 0) return std::chrono::nanoseconds::zero();
  const auto now = clock_.SteadyNow();
  const double elapsed = std::chrono::duration<double>(now - bucket_last_).count();
  bucket_last_ = now;
  bucket_tokens_ =
      std::min<double>(options_.overall_burst, bucket_tokens_ + elapsed * options_.overall_qps);
  bucket_tokens_ -= 1;  // Reserve a token; negative means a wait is booked.
  if (bucket_tokens_ >= 0) return std::chrono::nanoseconds::zero();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(-bucket_tokens_ / options_.overall_qps));
}

void WorkQueue::AddRateLimited(const std::string& key) {
  std::chrono::nanoseconds delay;
  {
    MutexLock lock(mu_);
    if (shutting_down_) return;
    const int attempt = failures_[key]++;
    delay = std::max(options_.item_backoff.Delay(attempt), BucketDelayLockHeld());
  }
  if (observer_) observer_->OnRetry();
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  MutexLock lock(mu_);
  failures_.erase(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  MutexLock lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::PromoteDelayedLockHeld() {
  if (delayed_.empty()) return;
  const auto now = clock_.SteadyNow();
  for (auto it = delayed_.begin(); it != delayed_.end();) {
    if (it->second <= now) {
      AddLockHeld(it->first);
      it = delayed_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<std::string> WorkQueue::PopLockHeld() {
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  const auto now = clock_.SteadyNow();
  auto it = dirty_.find(key);
  const auto added = it == dirty_.end() ? now : it->second.added;
  if (it != dirty_.end()) dirty_.erase(it);
  processing_[key] = now;
  const size_t depth = queue_.size();
  if (observer_) {
    observer_->OnQueueLatency(now - added);
    observer_->OnDepth(depth);
  }
  return key;
}

std::optional<std::string> WorkQueue::TryGet() {
  MutexLock lock(mu_);
  PromoteDelayedLockHeld();
  return PopLockHeld();
}

std::optional<std::string> WorkQueue::Get() {
  MutexLock lock(mu_);
  for (;;) {
    if (!shutting_down_) PromoteDelayedLockHeld();
    if (auto key = PopLockHeld()) return key;
    if (shutting_down_) return std::nullopt;
    // Sleep until the earliest delayed key is due (at most 1 s, so a clock
    // that jumps is noticed) or until an Add wakes us.
    std::chrono::nanoseconds wait = std::chrono::seconds(1);
    const auto now = clock_.SteadyNow();
    for (const auto& [key, ready] : delayed_) wait = std::min(wait, ready - now);
    wait = std::max(wait, std::chrono::nanoseconds(std::chrono::milliseconds(1)));
    cv_.wait_for(mu_, wait);
  }
}

void WorkQueue::Done(const std::string& key) {
  std::chrono::nanoseconds worked{0};
  {
    MutexLock lock(mu_);
    auto it = processing_.find(key);
    if (it == processing_.end()) return;
    worked = clock_.SteadyNow() - it->second;
    processing_.erase(it);
    // Added again while in flight: now it may run.
    if (dirty_.count(key)) queue_.push_back(key);
  }
  cv_.notify_all();
  if (observer_) observer_->OnWorkDuration(worked);
}

void WorkQueue::ShutDown() {
  {
    MutexLock lock(mu_);
    shutting_down_ = true;
    delayed_.clear();
  }
  cv_.notify_all();
}

bool WorkQueue::WaitIdle(std::chrono::nanoseconds timeout) {
  MutexLock lock(mu_);
  return cv_.wait_for(mu_, timeout, [this]() REQUIRES(mu_) { return processing_.empty(); });
}

size_t WorkQueue::Len() const {
  MutexLock lock(mu_);
  return queue_.size();
}

}  // namespace runledger::runtime
