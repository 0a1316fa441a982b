// ObjectStore: URI dispatch, key validation and the shared conveniences.
#include "store/object_store.h"

#include <algorithm>
#include <cstring>

#include "store/file_object_store.h"
#include "store/s3_object_store.h"

namespace runledger::store {

Result<size_t> StringReader::Read(char* buf, size_t n) {
  size_t k = std::min(n, data_.size());
  std::memcpy(buf, data_.data(), k);
  data_.remove_prefix(k);
  return k;
}

Result<std::string> ReadAll(Reader& r) {
  std::string out;
  char buf[1 << 16];
  while (true) {
    ASSIGN_OR_RETURN(size_t n, r.Read(buf, sizeof buf));
    if (n == 0) return out;
    out.append(buf, n);
  }
}

Result<std::unique_ptr<ObjectStore>> ObjectStore::Open(std::string_view uri,
                                                       const S3StoreSettings* s3) {
  constexpr std::string_view kFile = "file://";
  if (uri.starts_with(kFile)) {
    std::string_view path = uri.substr(kFile.size());
    if (!path.starts_with('/')) {
      return InvalidArgument("object store URI " + std::string(uri) +
                             ": file:// needs an absolute path, e.g. file:///var/lib/runledger");
    }
    ASSIGN_OR_RETURN(auto fs, FileObjectStore::Open(std::string(path)));
    return std::unique_ptr<ObjectStore>(std::move(fs));
  }
  if (uri.starts_with("s3://")) {
    ASSIGN_OR_RETURN(auto store, S3ObjectStore::Open(uri, s3 ? *s3 : S3SettingsFromEnvironment()));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  return InvalidArgument("object store URI " + std::string(uri) +
                         ": unknown scheme (want file:///path or s3://bucket/prefix)");
}

Status ObjectStore::DeleteMany(std::span<const std::string> keys) {
  Status first;
  for (const auto& k : keys) {
    Status s = Delete(k);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

Status ObjectStore::Copy(std::string_view from, std::string_view to) {
  ASSIGN_OR_RETURN(auto reader, Get(from));
  return Put(to, *reader);
}

Status ObjectStore::PutString(std::string_view key, std::string_view data) {
  StringReader r(data);
  return Put(key, r);
}

Result<std::string> ObjectStore::GetString(std::string_view key) {
  ASSIGN_OR_RETURN(auto reader, Get(key));
  return ReadAll(*reader);
}

Status ValidateKey(std::string_view key) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("invalid object key \"" + std::string(key) + "\": " + std::string(why));
  };
  if (key.empty()) return bad("empty");
  if (key.size() > 1024) return bad("longer than 1024 bytes");
  if (key.front() == '/') return bad("absolute paths are not allowed");
  if (key.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  if (key.find('\\') != std::string_view::npos) return bad("contains a backslash");
  size_t start = 0;
  bool first = true;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty()) return bad("empty path segment (\"//\" or a trailing \"/\")");
    if (seg == "..") return bad("\"..\" segments would escape the root");
    if (seg == ".") return bad("\".\" segments are not allowed");
    if (first && seg == ".rl-tmp") return bad("\".rl-tmp\" is reserved for uploads in progress");
    first = false;
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace runledger::store
