// Wal: the write-ahead log of the metric store: segments of framed records
// (wal_record.h) in one directory, appended with group commit.
//
// Append blocks until its record is durable: concurrent appenders queue up,
// the first in line (the leader) frames queued records into one buffer,
// writes it with one write(2) and makes it durable with one fdatasync(2),
// then runs each record's on_durable callback, in log order, before any of
// them return. A group is capped relative to the leader's own record (as
// LevelDB does): a record of at most 128 KiB takes others only up to its
// size + 128 KiB, a larger one up to 1 MiB, so a small write never waits
// behind megabytes of others' records.
//
// A failed write or sync fails that group's Appends (none of its records
// is acknowledged) and stops the log:
//   - Out of space (ResourceExhausted: ENOSPC, EDQUOT, EFBIG) is not
//     sticky. The next Append (or Rotate) first resumes the log: it cuts
//     the segment back to its last synced byte, reads it back to check that
//     it ends on a clean record boundary there, seals it and starts a fresh
//     segment (an empty one is kept instead, so retries on a full disk do not
//     make a segment each). If that or the write fails again (the disk is
//     still full) the Append answers ResourceExhausted again; once space is
//     free the log goes on by itself. Nothing acknowledged is touched: it
//     lies before the last synced byte.
//   - Any other error (EIO from fdatasync above all: the kernel may have
//     dropped the dirty pages, so a retried sync could lie) poisons the log:
//     that Append and every later one return the same error; reopen
//     (RecoverWal) after fixing the cause.
//
// Segments are "<dir>/<16-digit sequence>.wal". When the current segment
// holds at least segment_bytes, the leader seals it (it is already synced)
// and starts the next one (its directory entry is synced before any record
// in it is acknowledged), then calls on_seal(sealed_sequence).
//
// Thread-safety: Append and Rotate may be called from any number of threads.
// Callbacks run on the leader's thread with no Wal lock held; they must not
// call back into the Wal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "store/wal_record.h"

namespace runledger::store {

// Where a segment's bytes go: a POSIX file by default; tests inject faults.
class WalFile {
 public:
  virtual ~WalFile() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Sync() = 0;  // Makes appended bytes durable (fdatasync).
  // Cuts the file back to `size` bytes and makes that durable (fsync).
  virtual Status Truncate(uint64_t size) = 0;
};

// Creates a new, empty segment file at `path`.
using WalFileFactory = std::function<Result<std::unique_ptr<WalFile>>(const std::string& path)>;
WalFileFactory PosixWalFileFactory();

struct WalOptions {
  std::string dir;
  uint64_t segment_bytes = 16u << 20;
  WalFileFactory create_file = PosixWalFileFactory();
  std::function<void(uint64_t sealed)> on_seal;  // Optional.
};

// The file name of segment `seq` ("0000000000000007.wal").
std::string SegmentFileName(uint64_t seq);

// What recovery found: the live segments (all now sealed) and the sequence
// the new writer starts at.
struct WalRecovery {
  std::vector<uint64_t> segments;
  uint64_t next_sequence = 1;
  uint64_t truncated_bytes = 0;  // Torn tail cut from the last segment.
};

// Replays every segment in `dir` with sequence >= first_live, in order,
// calling on_record(sequence, payload). Segments below first_live (already
// compacted) are deleted. A torn tail of the last segment is truncated and
// logged; any other bad record fails with Corruption naming the segment
// file and offset. An error from on_record stops the replay and is returned
// with the same context.
Result<WalRecovery> RecoverWal(
    const std::string& dir, uint64_t first_live,
    const std::function<Status(uint64_t seq, std::string_view payload)>& on_record);

class Wal {
 public:
  // Starts a new segment `first_sequence` in options.dir (created if missing).
  static Result<std::unique_ptr<Wal>> Open(WalOptions options, uint64_t first_sequence);
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Appends `record` (at most wal::kMaxRecordSize bytes) and returns once it
  // is durable; on_durable(segment) ran first, on the leader's thread.
  Status Append(std::string_view record, const std::function<void(uint64_t segment)>& on_durable);

  // Seals the current segment if it holds any record (calling on_seal) and
  // starts the next; returns the sealed sequence, or 0 if it was empty.
  Result<uint64_t> Rotate();

  // Why the log is stopped, or OK: ResourceExhausted until an Append
  // resumes it, any other code for good (until reopened).
  Status error() const;
  // Appenders waiting, the leader included (for tests and metrics).
  size_t QueueLength() const;

  // The most bytes of records a group led by a record of `first` bytes takes.
  static size_t GroupLimit(size_t first);

 private:
  struct Writer;
  explicit Wal(WalOptions options) : options_(std::move(options)) {}
  Status Submit(Writer* w);
  // The methods below run on the leader only: the queue front owns the
  // segment state (file_ and the fields after it) without holding mu_.
  Status OpenSegment(uint64_t seq);
  Status SealAndStartNext(uint64_t* sealed);
  Status WriteGroup(const std::vector<Writer*>& group);
  Status ResumeAfterFullDisk();
  // Aborts unless the calling thread is the leader: the segment state has
  // no lock, and a second writer would interleave bytes silently.
  void AssertLeader() const;

  const WalOptions options_;

  mutable Mutex mu_;
  std::deque<Writer*> queue_ GUARDED_BY(mu_);  // Front is the leader.
  Status error_ GUARDED_BY(mu_);               // See error().

  std::atomic<std::thread::id> leader_{};  // Set while a thread leads.
  // Owned by whichever thread is the leader (the queue front hands it over).
  std::unique_ptr<WalFile> file_;
  uint64_t sequence_ = 0;
  uint64_t segment_size_ = 0;
  std::string buffer_;
  std::vector<Writer*> group_;
};

}  // namespace runledger::store
