// FileObjectStore: atomic puts via temp file + fsync + rename + dir fsync.
#include "store/file_object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "store/posix_file.h"

namespace runledger::store {
namespace {

constexpr const char* kHashXattr = "user.runledger.sha256";
constexpr const char* kTmpDir = ".rl-tmp";

// Streaming SHA-256 (OpenSSL EVP), hex-encoded at the end.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const char* p, size_t n) { EVP_DigestUpdate(ctx_, p, n); }
  std::string HexDigest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
      out.push_back(kHex[md[i] >> 4]);
      out.push_back(kHex[md[i] & 15]);
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

// Streams a file (or a range of it) without holding it in memory.
class FileReader final : public Reader {
 public:
  FileReader(Fd fd, std::string path, uint64_t offset, uint64_t left)
      : fd_(std::move(fd)), path_(std::move(path)), offset_(offset), left_(left) {}
  Result<size_t> Read(char* buf, size_t n) override {
    n = static_cast<size_t>(std::min<uint64_t>(n, left_));
    if (n == 0) return size_t{0};
    ASSIGN_OR_RETURN(size_t got, PreadSome(fd_.get(), buf, n, offset_, path_));
    if (got == 0) return IoError("read " + path_ + ": file shrank while being read");
    offset_ += got;
    left_ -= got;
    return got;
  }

 private:
  Fd fd_;
  std::string path_;
  uint64_t offset_;
  uint64_t left_;
};

std::chrono::system_clock::time_point MTime(const struct stat& st) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

// Appends to `out` every regular file below `dir` (relative name `rel`)
// whose key starts with `prefix`; skips subtrees that cannot match.
Status Walk(const std::string& dir, const std::string& rel, std::string_view prefix,
            std::vector<std::pair<std::string, struct stat>>* out) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();
    return ErrnoStatus("opendir", dir, errno);
  }
  Status status;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (rel.empty() && name == kTmpDir) continue;
    std::string key = rel.empty() ? name : rel + "/" + name;
    std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;  // Deleted meanwhile.
    if (S_ISDIR(st.st_mode)) {
      std::string as_prefix = key + "/";
      // Descend only if keys below could start with `prefix`.
      size_t n = std::min(as_prefix.size(), prefix.size());
      if (as_prefix.compare(0, n, prefix.substr(0, n)) != 0) continue;
      status = Walk(path, key, prefix, out);
      if (!status.ok()) break;
    } else if (S_ISREG(st.st_mode) && key.starts_with(prefix)) {
      out->emplace_back(std::move(key), st);
    }
  }
  ::closedir(d);
  return status;
}

// An object's file, open for reading, with what fstat said of it.
struct OpenObject {
  Fd fd;
  std::string path;
  struct stat st;
};

// Opens the object at `path` (named `key` in errors); NotFound unless it is
// a regular file.
Result<OpenObject> OpenForReading(std::string path, std::string_view key) {
  ASSIGN_OR_RETURN(Fd fd, OpenFile(path, O_RDONLY | O_NOFOLLOW));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return NotFound("no object \"" + std::string(key) + "\"");
  return OpenObject{std::move(fd), std::move(path), st};
}

}  // namespace

Result<std::unique_ptr<FileObjectStore>> FileObjectStore::Open(std::string root) {
  if (root.empty() || root.front() != '/') {
    return InvalidArgument("file object store root must be an absolute path, got \"" + root + "\"");
  }
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  RETURN_IF_ERROR(MakeDirs(root + "/" + kTmpDir));
  return std::unique_ptr<FileObjectStore>(new FileObjectStore(std::move(root)));
}

Status FileObjectStore::Put(std::string_view key, Reader& body) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::string final_path = PathOf(key);
  // Unique across processes sharing the root (two containers may both be
  // pid 1): the instance's random tag and a counter. O_EXCL turns a
  // collision into an error instead of two writers in one file.
  std::string tmp =
      root_ + "/" + kTmpDir + "/" + tmp_tag_ + "-" + std::to_string(tmp_counter_.fetch_add(1));
  Status s = [&]() -> Status {
    ASSIGN_OR_RETURN(Fd fd, OpenFile(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644));
    Sha256 hash;
    std::string buf(1 << 20, '\0');
    while (true) {
      ASSIGN_OR_RETURN(size_t n, body.Read(buf.data(), buf.size()));
      if (n == 0) break;
      hash.Update(buf.data(), n);
      RETURN_IF_ERROR(WriteAll(fd.get(), std::string_view(buf.data(), n), tmp));
    }
    std::string hex = hash.HexDigest();
    // Best effort: file systems without user xattrs fall back to hashing on Head.
    (void)::fsetxattr(fd.get(), kHashXattr, hex.data(), hex.size(), 0);
    RETURN_IF_ERROR(FullSync(fd.get(), tmp));
    return MoveIntoPlace(key, tmp, final_path);
  }();
  if (!s.ok()) ::unlink(tmp.c_str());
  return s;
}

std::string FileObjectStore::NewTmpTag() {
  std::random_device rd;
  return std::to_string(::getpid()) + "-" + std::to_string((uint64_t{rd()} << 32) ^ rd());
}

Status FileObjectStore::MoveIntoPlace(std::string_view key, const std::string& tmp,
                                      const std::string& final_path) {
  std::string parent = DirName(final_path);
  // A Delete in the same prefix removes directories it leaves empty, so the
  // one made here can vanish before the rename lands in it (ENOENT from
  // mkdir, the directory sync or rename). Once the rename is done the
  // directory is not empty and stays. Each retry means another Delete won
  // a race; the bound only stops a pathological loop.
  constexpr int kAttempts = 100;
  Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    status = MakeDirs(parent);
    if (status.code() == Code::kFailedPrecondition) {
      return FailedPrecondition("put \"" + std::string(key) +
                                "\": a parent path is an object, not a prefix");
    }
    if (status.code() == Code::kNotFound) continue;
    RETURN_IF_ERROR(status);
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
      int err = errno;
      if (err == ENOENT) {
        status = ErrnoStatus("rename to", final_path, err);
        continue;
      }
      if (err == EISDIR) {
        return FailedPrecondition("put \"" + std::string(key) +
                                  "\": other objects use this key as a prefix");
      }
      return ErrnoStatus("rename to", final_path, err);
    }
    return SyncDir(parent);
  }
  return status.WithContext("put \"" + std::string(key) + "\" raced deletes " +
                            std::to_string(kAttempts) + " times");
}

Result<std::unique_ptr<Reader>> FileObjectStore::Get(std::string_view key,
                                                     std::optional<ByteRange> range) {
  RETURN_IF_ERROR(ValidateKey(key));
  ASSIGN_OR_RETURN(OpenObject object, OpenForReading(PathOf(key), key));
  auto size = static_cast<uint64_t>(object.st.st_size);
  uint64_t offset = 0, length = size;
  if (range) {
    if (range->offset >= size && !(size == 0 && range->offset == 0)) {
      return InvalidArgument("range offset " + std::to_string(range->offset) +
                             " is past the end of \"" + std::string(key) + "\" (" +
                             std::to_string(size) + " bytes)");
    }
    offset = range->offset;
    length = std::min(size - offset, range->length.value_or(size - offset));
  }
  return std::unique_ptr<Reader>(new FileReader(std::move(object.fd), object.path, offset, length));
}

Result<ObjectInfo> FileObjectStore::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  ASSIGN_OR_RETURN(OpenObject object, OpenForReading(PathOf(key), key));
  Fd& fd = object.fd;
  const std::string& path = object.path;
  ObjectInfo info{std::string(key), static_cast<uint64_t>(object.st.st_size), MTime(object.st), {}};
  char hex[65];
  ssize_t n = ::fgetxattr(fd.get(), kHashXattr, hex, 64);
  if (n == 64) {
    info.sha256_hex.assign(hex, 64);
  } else {
    Sha256 hash;
    FileReader r(std::move(fd), path, 0, info.size);
    std::string buf(1 << 20, '\0');
    while (true) {
      ASSIGN_OR_RETURN(size_t got, r.Read(buf.data(), buf.size()));
      if (got == 0) break;
      hash.Update(buf.data(), got);
    }
    info.sha256_hex = hash.HexDigest();
  }
  return info;
}

Result<ListPage> FileObjectStore::List(const ListRequest& req) {
  if (req.max_keys == 0) return InvalidArgument("list: max_keys must be at least 1");
  std::vector<std::pair<std::string, struct stat>> all;
  RETURN_IF_ERROR(Walk(root_, "", req.prefix, &all));
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  ListPage page;
  const std::string& after = req.continuation_token;
  std::string last;  // The greatest entry on this page: the next page's token.
  for (auto& [key, st] : all) {
    if (!after.empty() && key <= after) continue;
    std::string common_prefix;
    if (!req.delimiter.empty()) {
      size_t d = key.find(req.delimiter, req.prefix.size());
      if (d != std::string::npos) common_prefix = key.substr(0, d + req.delimiter.size());
    }
    // Keys under a prefix already returned (on this page or an earlier one) are skipped.
    if (!common_prefix.empty() && (last == common_prefix || after.starts_with(common_prefix))) {
      continue;
    }
    if (page.objects.size() + page.common_prefixes.size() == req.max_keys) {
      page.next_continuation_token = last;
      return page;
    }
    if (!common_prefix.empty()) {
      last = common_prefix;
      page.common_prefixes.push_back(std::move(common_prefix));
    } else {
      last = key;
      page.objects.push_back(ObjectInfo{key, static_cast<uint64_t>(st.st_size), MTime(st), {}});
    }
  }
  return page;
}

Status FileObjectStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::string path = PathOf(key);
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return Status::Ok();  // Not an object.
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();
    return ErrnoStatus("unlink", path, errno);
  }
  std::string dir = DirName(path);
  // NotFound: a concurrent Delete already removed the emptied directory.
  Status synced = SyncDir(dir);
  if (!synced.ok() && synced.code() != Code::kNotFound) return synced;
  // Remove directories left empty, as S3 has no directories.
  while (dir.size() > root_.size() && ::rmdir(dir.c_str()) == 0) dir = DirName(dir);
  return Status::Ok();
}

}  // namespace runledger::store
