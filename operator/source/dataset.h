// Dataset fingerprints: a snapshot id for data that has none.
//
// FingerprintDataset reads a `file://` dataset (a directory tree or a single
// file) and returns "sha256:<hex>", a SHA-256 over the sorted list of
// (type, relative path, size, SHA-256 of content) of every entry. The same
// bytes under the same names give the same id on any machine; renaming,
// adding (even an empty file), removing or changing any byte gives another.
// The exact record format is in docs/source-resolution.md.
//
// What is read:
//   - regular files, in full;
//   - symbolic links below the root are recorded by their target text and
//     not followed (a link into other data does not pull that data in); the
//     root itself may be a link, e.g. /data/current -> /data/v3;
//   - directories are walked; sockets, FIFOs and devices are skipped.
//
// Cost: one metadata walk, then one read of every file. The walk stops as
// soon as the tree exceeds FingerprintLimits, before any content is read, so
// a too-large dataset costs a directory walk of at most max_files entries.
//
// Thread-safety: safe to call concurrently. Blocking: reads the whole
// dataset; call it off any latency-sensitive thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/object_store.h"
#include "store/object_stores.h"

namespace runledger::source {

struct FingerprintLimits {
  int64_t max_files = 100'000;            // Entries counted: files and links.
  int64_t max_bytes = int64_t{64} << 30;  // Total size of regular files: 64 GiB.
};

struct DatasetFingerprint {
  std::string snapshot_id;  // "sha256:" + 64 lower-case hex digits.
  int64_t files = 0;        // Regular files and links hashed.
  int64_t bytes = 0;        // Bytes of regular files read.
};

// Errors:
//   InvalidArgument    not a file:// URI with an absolute path, or a remote
//                      host in it.
//   FailedPrecondition s3:// without `stores` (the caller has no S3 settings).
//   NotFound           the path does not exist (the message names the URI).
//   ResourceExhausted  more than max_files entries or max_bytes bytes (the
//                      message names the limit).
//   IoError            a file or directory cannot be read (named, relative to
//                      the URI, with the system's reason).
//   Unavailable        a file changed size while it was read; retry later.
// An s3:// dataset is fingerprinted by listing (FingerprintObjects), its
// store opened through `stores`.
Result<DatasetFingerprint> FingerprintDataset(std::string_view uri,
                                              const FingerprintLimits& limits = {},
                                              store::ObjectStores* stores = nullptr);

// The fingerprint of what `objects` lists under its root, without reading
// a byte of content: "sha256:<hex>" over the sorted (key, size, ETag) of
// every object (docs/source-resolution.md). S3's ETag changes whenever an
// object is written again, so a rewrite with the same bytes gives another
// id too: the id errs on the side of "different". Cost: one List page per
// 1000 objects. ResourceExhausted above limits.max_files objects (before
// anything is hashed); bytes counts the objects' sizes, unread.
// `uri` only names the dataset in messages.
Result<DatasetFingerprint> FingerprintObjects(std::string_view uri, store::ObjectStore& objects,
                                              const FingerprintLimits& limits = {});

}  // namespace runledger::source
