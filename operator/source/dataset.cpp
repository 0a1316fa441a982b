// FingerprintDataset: walk, check the limits, then hash; see dataset.h.
#include "source/dataset.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "base/encoding.h"

namespace runledger::source {
namespace {

struct Entry {
  std::string path;  // Relative to the root, '/'-separated.
  bool symlink = false;
  int64_t size = 0;
};

struct DigestDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Digest = std::unique_ptr<EVP_MD_CTX, DigestDeleter>;

Digest NewSha256() {
  Digest ctx(EVP_MD_CTX_new());
  if (ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) ctx.reset();
  return ctx;
}

std::string FinishHex(EVP_MD_CTX* ctx) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  return HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "file:///a/b%20c" -> "/a/b c". Also accepts file://localhost/...
Result<std::string> FilePath(std::string_view uri) {
  std::string_view rest = uri.substr(7);
  if (rest.starts_with("localhost/")) rest.remove_prefix(9);
  if (!rest.starts_with("/")) {
    return InvalidArgument("dataset URI '" + std::string(uri) +
                           "' must be file:///absolute/path (no host)");
  }
  std::string path;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%') {
      int hi = i + 2 < rest.size() ? HexValue(rest[i + 1]) : -1;
      int lo = i + 2 < rest.size() ? HexValue(rest[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument("dataset URI '" + std::string(uri) + "' has a bad %-escape");
      }
      path.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      path.push_back(rest[i]);
    }
  }
  if (path.find('\0') != std::string::npos) {
    return InvalidArgument("dataset URI '" + std::string(uri) + "' contains a NUL byte");
  }
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

class Walker {
 public:
  Walker(std::string_view uri, const std::string& root, const FingerprintLimits& limits)
      : uri_(uri), root_(root), limits_(limits) {}

  // Walks the directory `rel` ("" for the root) into entries_.
  Status WalkDirectory(const std::string& rel) {
    std::string dir = rel.empty() ? root_ : root_ + "/" + rel;
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d) return IoError("cannot read directory " + Name(rel) + ": " + std::strerror(errno));
    std::vector<std::string> children;
    for (errno = 0; dirent* e = ::readdir(d.get()); errno = 0) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      children.emplace_back(name);
    }
    if (errno != 0) {
      return IoError("cannot read directory " + Name(rel) + ": " + std::strerror(errno));
    }
    for (const std::string& name : children) {
      std::string child = rel.empty() ? name : rel + "/" + name;
      struct stat st;
      if (::fstatat(::dirfd(d.get()), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return IoError("cannot stat " + Name(child) + ": " + std::strerror(errno));
      }
      if (S_ISDIR(st.st_mode)) {
        RETURN_IF_ERROR(WalkDirectory(child));
      } else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
        RETURN_IF_ERROR(Add(Entry{child, S_ISLNK(st.st_mode), static_cast<int64_t>(st.st_size)}));
      }
    }
    return Status::Ok();
  }

  Status Add(Entry entry) {
    if (static_cast<int64_t>(entries_.size()) >= limits_.max_files) {
      return Status(Code::kResourceExhausted, "dataset " + uri_ + " has more than " +
                                                  std::to_string(limits_.max_files) +
                                                  " files (the fingerprint limit max_files)");
    }
    if (!entry.symlink) {
      bytes_ += entry.size;
      if (bytes_ > limits_.max_bytes) {
        return Status(Code::kResourceExhausted, "dataset " + uri_ + " has more than " +
                                                    std::to_string(limits_.max_bytes) +
                                                    " bytes (the fingerprint limit max_bytes)");
      }
    }
    entries_.push_back(std::move(entry));
    return Status::Ok();
  }

  std::vector<Entry>& entries() { return entries_; }

  std::string Name(const std::string& rel) const {
    return rel.empty() ? uri_ : "'" + rel + "' in " + uri_;
  }

 private:
  std::string uri_;
  std::string root_;
  FingerprintLimits limits_;
  std::vector<Entry> entries_;
  int64_t bytes_ = 0;
};

// SHA-256 of one regular file's content; checks it still has `size` bytes.
Result<std::string> HashFile(const std::string& path, const Entry& entry, const Walker& walker,
                             int64_t& bytes_read) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return IoError("cannot read " + walker.Name(entry.path) + ": " + std::strerror(errno));
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { ::close(*f); });
  Digest ctx = NewSha256();
  if (!ctx) return Internal("cannot initialise SHA-256");
  std::vector<char> buffer(1 << 20);
  int64_t total = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return IoError("cannot read " + walker.Name(entry.path) + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    total += n;
    if (total > entry.size) break;  // Grew under us; no need to read on.
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(n));
  }
  if (total != entry.size) {
    return Unavailable(walker.Name(entry.path) + " changed size while being fingerprinted");
  }
  bytes_read += total;
  return FinishHex(ctx.get());
}

}  // namespace

Result<DatasetFingerprint> FingerprintObjects(std::string_view uri, store::ObjectStore& objects,
                                              const FingerprintLimits& limits) {
  struct Listed {
    std::string key, etag;
    uint64_t size;
  };
  std::vector<Listed> listed;
  DatasetFingerprint out;
  store::ListRequest request;
  while (true) {
    ASSIGN_OR_RETURN(store::ListPage page, objects.List(request));
    for (store::ObjectInfo& o : page.objects) {
      if (static_cast<int64_t>(listed.size()) >= limits.max_files) {
        return Status(Code::kResourceExhausted, "dataset " + std::string(uri) + " has more than " +
                                                    std::to_string(limits.max_files) +
                                                    " objects (the fingerprint limit max_files)");
      }
      out.bytes += static_cast<int64_t>(o.size);
      listed.push_back({std::move(o.key), std::move(o.etag), o.size});
    }
    if (page.next_continuation_token.empty()) break;
    request.continuation_token = std::move(page.next_continuation_token);
  }
  if (listed.empty()) return NotFound("dataset " + std::string(uri) + " holds no objects");
  // List pages come in key order already; sorting keeps the id independent of that.
  std::sort(listed.begin(), listed.end(),
            [](const Listed& a, const Listed& b) { return a.key < b.key; });
  Digest total = NewSha256();
  if (!total) return Internal("cannot initialise SHA-256");
  static constexpr char kFormat[] = "runledger-dataset-objects-v1";
  EVP_DigestUpdate(total.get(), kFormat, sizeof(kFormat));  // With its NUL.
  for (const Listed& o : listed) {
    // Record: key NUL size NUL etag NUL (docs/source-resolution.md).
    std::string record = o.key;
    record.push_back('\0');
    record += std::to_string(o.size);
    record.push_back('\0');
    record += o.etag;
    record.push_back('\0');
    EVP_DigestUpdate(total.get(), record.data(), record.size());
  }
  out.files = static_cast<int64_t>(listed.size());
  out.snapshot_id = "sha256:" + FinishHex(total.get());
  return out;
}

Result<DatasetFingerprint> FingerprintDataset(std::string_view uri, const FingerprintLimits& limits,
                                              store::ObjectStores* stores) {
  if (uri.starts_with("s3://")) {
    if (stores == nullptr) {
      return FailedPrecondition("cannot fingerprint " + std::string(uri) +
                                ": no S3 settings here; give spec.dataset.snapshotId");
    }
    ASSIGN_OR_RETURN(store::ObjectStore * objects, stores->Get(uri));
    return FingerprintObjects(uri, *objects, limits);
  }
  if (!uri.starts_with("file://")) {
    return InvalidArgument("dataset URI '" + std::string(uri) +
                           "' is neither file:// nor s3://: cannot fingerprint it");
  }
  ASSIGN_OR_RETURN(std::string root, FilePath(uri));
  std::string name(uri);
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) {  // The root may be a link: followed.
    if (errno == ENOENT || errno == ENOTDIR) return NotFound("dataset " + name + " does not exist");
    return IoError("cannot stat dataset " + name + ": " + std::strerror(errno));
  }
  Walker walker(name, root, limits);
  std::string base;  // For a single file, its entry's path is its own name.
  if (S_ISDIR(st.st_mode)) {
    RETURN_IF_ERROR(walker.WalkDirectory(""));
  } else if (S_ISREG(st.st_mode)) {
    base = root.substr(0, root.rfind('/'));
    RETURN_IF_ERROR(walker.Add(
        Entry{root.substr(root.rfind('/') + 1), false, static_cast<int64_t>(st.st_size)}));
  } else {
    return InvalidArgument("dataset " + name + " is neither a directory nor a regular file");
  }
  std::vector<Entry>& entries = walker.entries();
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.path < b.path; });

  Digest total = NewSha256();
  if (!total) return Internal("cannot initialise SHA-256");
  static constexpr char kFormat[] = "runledger-dataset-v1";
  EVP_DigestUpdate(total.get(), kFormat, sizeof(kFormat));  // With its NUL.
  DatasetFingerprint out;
  const std::string& parent = S_ISDIR(st.st_mode) ? root : base;
  for (const Entry& entry : entries) {
    std::string full = parent + "/" + entry.path;
    std::string content_hash;
    int64_t size = entry.size;
    if (entry.symlink) {
      std::string target(static_cast<size_t>(std::max<int64_t>(entry.size, 0)) + 1, '\0');
      ssize_t n = ::readlink(full.c_str(), target.data(), target.size());
      if (n < 0) {
        return IoError("cannot read link " + walker.Name(entry.path) + ": " + std::strerror(errno));
      }
      target.resize(static_cast<size_t>(n));
      size = n;
      Digest link = NewSha256();
      if (!link) return Internal("cannot initialise SHA-256");
      EVP_DigestUpdate(link.get(), target.data(), target.size());
      content_hash = FinishHex(link.get());
    } else {
      ASSIGN_OR_RETURN(content_hash, HashFile(full, entry, walker, out.bytes));
    }
    // Record: type NUL path NUL size NUL sha256-hex NUL (docs/source-resolution.md).
    std::string record = entry.symlink ? "l" : "f";
    record.push_back('\0');
    record += entry.path;
    record.push_back('\0');
    record += std::to_string(size);
    record.push_back('\0');
    record += content_hash;
    record.push_back('\0');
    EVP_DigestUpdate(total.get(), record.data(), record.size());
    ++out.files;
  }
  out.snapshot_id = "sha256:" + FinishHex(total.get());
  return out;
}

}  // namespace runledger::source
