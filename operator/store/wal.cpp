// Wal: segments, group commit (one write + one fdatasync per group), recovery.
#include "store/wal.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "store/posix_file.h"
#include "store/wal_format.h"

namespace runledger::store {
namespace {

class PosixWalFile final : public WalFile {
 public:
  PosixWalFile(Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  Status Append(std::string_view data) override { return WriteAll(fd_.get(), data, path_); }
  Status Sync() override { return DataSync(fd_.get(), path_); }
  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) {
      return ErrnoStatus("truncate", path_, errno);
    }
    return FullSync(fd_.get(), path_);
  }

 private:
  Fd fd_;
  std::string path_;
};

bool ParseSegmentName(const std::string& name, uint64_t* seq) {
  if (name.size() != 20 || !name.ends_with(".wal")) return false;
  uint64_t v = 0;
  for (int i = 0; i < 16; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *seq = v;
  return true;
}

}  // namespace

WalFileFactory PosixWalFileFactory() {
  return [](const std::string& path) -> Result<std::unique_ptr<WalFile>> {
    ASSIGN_OR_RETURN(Fd fd, OpenFile(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0644));
    return std::unique_ptr<WalFile>(new PosixWalFile(std::move(fd), path));
  };
}

std::string SegmentFileName(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llu.wal", static_cast<unsigned long long>(seq));
  return buf;
}

Result<WalRecovery> RecoverWal(
    const std::string& dir, uint64_t first_live,
    const std::function<Status(uint64_t seq, std::string_view payload)>& on_record) {
  RETURN_IF_ERROR(MakeDirs(dir));
  std::vector<uint64_t> all;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("opendir", dir, errno);
  while (dirent* e = ::readdir(d)) {
    uint64_t seq;
    if (ParseSegmentName(e->d_name, &seq)) all.push_back(seq);
  }
  ::closedir(d);
  std::sort(all.begin(), all.end());

  WalRecovery rec;
  rec.next_sequence = std::max<uint64_t>(first_live, 1);
  for (size_t i = 0; i < all.size(); ++i) {
    uint64_t seq = all[i];
    std::string path = dir + "/" + SegmentFileName(seq);
    rec.next_sequence = std::max(rec.next_sequence, seq + 1);
    if (seq < first_live) {
      // Compacted into chunks already (the manifest says so): only a crash
      // between the manifest write and this delete leaves it behind.
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink", path, errno);
      continue;
    }
    ASSIGN_OR_RETURN(std::string data, ReadFile(path));
    wal::SegmentParse parse = wal::ParseSegment(
        data, [&](std::string_view payload, uint64_t) { return on_record(seq, payload); });
    bool last = i + 1 == all.size();
    if (parse.end == wal::SegmentParse::End::kCorrupt) {
      return parse.status.WithContext("WAL segment " + path);
    }
    if (parse.end == wal::SegmentParse::End::kTorn) {
      if (!last) {
        return Corruption("WAL segment " + path + ": " + parse.torn_reason +
                          " in a segment that is not the last");
      }
      spdlog::warn("store: WAL segment {}: {}; truncating {} bytes (end of log)", path,
                   parse.torn_reason, data.size() - parse.valid_end);
      ASSIGN_OR_RETURN(Fd fd, OpenFile(path, O_WRONLY));
      if (::ftruncate(fd.get(), static_cast<off_t>(parse.valid_end)) != 0) {
        return ErrnoStatus("truncate", path, errno);
      }
      RETURN_IF_ERROR(FullSync(fd.get(), path));
      rec.truncated_bytes = data.size() - parse.valid_end;
    }
    rec.segments.push_back(seq);
  }
  if (rec.segments.size() != all.size()) RETURN_IF_ERROR(SyncDir(dir));
  return rec;
}

struct Wal::Writer {
  std::string_view record;
  bool rotate = false;
  const std::function<void(uint64_t)>* on_durable = nullptr;
  bool done = false;
  Status status;
  uint64_t sealed = 0;
  std::condition_variable_any cv;
};

size_t Wal::GroupLimit(size_t first) {
  constexpr size_t kSmall = 128u << 10, kMax = 1u << 20;
  return first <= kSmall ? first + kSmall : kMax;
}

Result<std::unique_ptr<Wal>> Wal::Open(WalOptions options, uint64_t first_sequence) {
  RETURN_IF_ERROR(MakeDirs(options.dir));
  std::unique_ptr<Wal> wal(new Wal(std::move(options)));
  wal->leader_ = std::this_thread::get_id();  // No other thread can see it yet.
  RETURN_IF_ERROR(wal->OpenSegment(first_sequence));
  wal->leader_ = std::thread::id();
  return wal;
}

void Wal::AssertLeader() const {
  if (leader_.load(std::memory_order_relaxed) != std::this_thread::get_id()) {
    std::fputs("runledger: Wal segment state used by a thread that is not the leader\n", stderr);
    std::abort();
  }
}

Wal::~Wal() = default;

Status Wal::OpenSegment(uint64_t seq) {
  AssertLeader();
  std::string path = options_.dir + "/" + SegmentFileName(seq);
  ASSIGN_OR_RETURN(auto file, options_.create_file(path));
  // The entry must be durable before any record in the file is acknowledged.
  Status synced = SyncDir(options_.dir);
  if (!synced.ok()) {
    ::unlink(path.c_str());  // Best effort; ResumeAfterFullDisk removes it otherwise.
    return synced;
  }
  file_ = std::move(file);
  sequence_ = seq;
  segment_size_ = 0;
  return Status::Ok();
}

Status Wal::ResumeAfterFullDisk() {
  AssertLeader();
  if (file_ != nullptr) {
    // Cut what the failed group left past the last synced byte (every
    // acknowledged record lies before it), then check that the segment
    // really ends cleanly there before anything is appended after it.
    std::string path = options_.dir + "/" + SegmentFileName(sequence_);
    RETURN_IF_ERROR(file_->Truncate(segment_size_));
    ASSIGN_OR_RETURN(std::string data, ReadFile(path));
    wal::SegmentParse parse =
        wal::ParseSegment(data, [](std::string_view, uint64_t) { return Status::Ok(); });
    if (parse.end != wal::SegmentParse::End::kClean || data.size() != segment_size_) {
      return Corruption("WAL segment " + path + " does not end cleanly at its last synced byte " +
                        std::to_string(segment_size_) + " after a failed write");
    }
    // An empty segment is reused, so repeated failures make no new files.
    if (segment_size_ == 0) return Status::Ok();
    file_.reset();
  }
  // Segment sequence_ is whole and synced: seal it and start a fresh one. A
  // file of the next sequence can only be left from a create that failed
  // before any record went into it.
  std::string next = options_.dir + "/" + SegmentFileName(sequence_ + 1);
  if (::unlink(next.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink", next, errno);
  uint64_t sealed = sequence_;
  RETURN_IF_ERROR(OpenSegment(sequence_ + 1));
  if (options_.on_seal) options_.on_seal(sealed);
  return Status::Ok();
}

Status Wal::SealAndStartNext(uint64_t* sealed) {
  AssertLeader();
  // Every group ends with a sync, so the current segment is already durable.
  // If the next one cannot be made, file_ stays null and sequence_ names the
  // sealed segment: ResumeAfterFullDisk picks up from there.
  *sealed = sequence_;
  file_.reset();
  RETURN_IF_ERROR(OpenSegment(sequence_ + 1));
  if (options_.on_seal) options_.on_seal(*sealed);
  return Status::Ok();
}

Status Wal::WriteGroup(const std::vector<Writer*>& group) {
  AssertLeader();
  if (segment_size_ >= options_.segment_bytes) {
    uint64_t sealed;
    RETURN_IF_ERROR(SealAndStartNext(&sealed));
  }
  buffer_.clear();
  wal::RecordFramer framer(segment_size_);
  for (Writer* w : group) framer.Frame(w->record, &buffer_);
  RETURN_IF_ERROR(file_->Append(buffer_));
  segment_size_ += buffer_.size();
  RETURN_IF_ERROR(file_->Sync());
  for (Writer* w : group) {
    if (w->on_durable != nullptr && *w->on_durable) (*w->on_durable)(sequence_);
  }
  return Status::Ok();
}

Status Wal::Submit(Writer* w) {
  mu_.lock();
  queue_.push_back(w);
  while (!w->done && w != queue_.front()) w->cv.wait(mu_);
  if (w->done) {
    Status status = w->status;
    mu_.unlock();
    return status;
  }

  // This thread leads: it takes a group from the front of the queue.
  group_.clear();
  if (w->rotate) {
    group_.push_back(w);
  } else {
    const size_t limit = GroupLimit(w->record.size());
    size_t bytes = 0;
    for (Writer* q : queue_) {
      if (q->rotate || (bytes > 0 && bytes + q->record.size() > limit)) break;
      bytes += q->record.size();
      group_.push_back(q);
    }
  }
  Status status = error_;
  leader_ = std::this_thread::get_id();
  mu_.unlock();
  if (status.code() == Code::kResourceExhausted) {
    status = ResumeAfterFullDisk();
    if (status.ok()) spdlog::info("store: WAL resumed in segment {}", sequence_);
  }
  if (status.ok()) {
    if (!w->rotate) {
      status = WriteGroup(group_);
    } else if (segment_size_ > 0) {
      status = SealAndStartNext(&w->sealed);
    }
  }
  mu_.lock();
  leader_ = std::thread::id();
  if (!status.ok() && status.code() != error_.code()) {
    spdlog::error("store: WAL stopped ({}): {}",
                  status.code() == Code::kResourceExhausted ? "resumes once space is free"
                                                            : "for good, until reopened",
                  status.ToString());
  }
  // Out of space stays until a resume succeeds; anything else is sticky.
  if (error_.ok() || error_.code() == Code::kResourceExhausted) error_ = status;
  for (Writer* q : group_) {
    queue_.pop_front();  // The group is a prefix of the queue.
    q->status = status;
    q->done = true;
    if (q != w) q->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  mu_.unlock();
  return status;
}

Status Wal::Append(std::string_view record,
                   const std::function<void(uint64_t segment)>& on_durable) {
  if (record.size() > wal::kMaxRecordSize) {
    return InvalidArgument("WAL record of " + std::to_string(record.size()) +
                           " bytes exceeds the limit of " + std::to_string(wal::kMaxRecordSize));
  }
  Writer w;
  w.record = record;
  w.on_durable = &on_durable;
  return Submit(&w);
}

Result<uint64_t> Wal::Rotate() {
  Writer w;
  w.rotate = true;
  RETURN_IF_ERROR(Submit(&w));
  return w.sealed;
}

Status Wal::error() const {
  MutexLock lock(mu_);
  return error_;
}

size_t Wal::QueueLength() const {
  MutexLock lock(mu_);
  return queue_.size();
}

}  // namespace runledger::store
