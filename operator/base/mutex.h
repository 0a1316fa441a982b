// Mutex and MutexLock: a std::mutex that clang's -Wthread-safety can check,
// and that can assert it is held.
//
// Annotate what a mutex guards and what a method needs:
//   Mutex mu_;
//   int count_ GUARDED_BY(mu_);
//   void BumpLockHeld() REQUIRES(mu_);
// The clang build (e2e/test runs it) turns a missed lock into a compile
// error; g++ ignores the annotations.
//
// AssertHeld() aborts when the calling thread does not hold the mutex: use it
// where a wrong caller would corrupt state silently. It costs one relaxed
// atomic load.
//
// Mutex is BasicLockable (lock/unlock), so std::condition_variable_any waits
// on it directly.
#pragma once

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#if defined(__clang__)
#define RUNLEDGER_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define RUNLEDGER_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) RUNLEDGER_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY RUNLEDGER_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) RUNLEDGER_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) RUNLEDGER_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) RUNLEDGER_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) RUNLEDGER_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) RUNLEDGER_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) RUNLEDGER_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) RUNLEDGER_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS RUNLEDGER_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace runledger {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() {
    mu_.lock();
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  }
  void unlock() RELEASE() {
    owner_.store(std::thread::id(), std::memory_order_relaxed);
    mu_.unlock();
  }

  // Aborts unless the calling thread holds this mutex.
  void AssertHeld() const ASSERT_CAPABILITY(this) {
    if (owner_.load(std::memory_order_relaxed) != std::this_thread::get_id()) {
      std::fputs("runledger: Mutex::AssertHeld failed: caller does not hold the lock\n", stderr);
      std::abort();
    }
  }

 private:
  std::mutex mu_;
  std::atomic<std::thread::id> owner_{};
};

// Holds `mu` for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace runledger
