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
//   Unimplemented      s3:// (s3 fingerprints come with the S3 backend).
//   NotFound           the path does not exist (the message names the URI).
//   ResourceExhausted  more than max_files entries or max_bytes bytes (the
//                      message names the limit).
//   IoError            a file or directory cannot be read (named, relative to
//                      the URI, with the system's reason).
//   Unavailable        a file changed size while it was read; retry later.
Result<DatasetFingerprint> FingerprintDataset(std::string_view uri,
                                              const FingerprintLimits& limits = {});

}  // namespace runledger::source
