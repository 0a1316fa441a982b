// Where an s3:// URI points and how to reach its bucket.
//
//   s3://bucket            the whole bucket
//   s3://bucket/a/b        keys under "a/b/" (a prefix always ends in '/',
//                          so the store of "runs" never sees "runs-old/")
//
// The connection (endpoint, region, addressing) is not in the URI: it is
// the operator's S3 settings (docs/object-storage.md). Addressing:
//   - virtual-host: https://bucket.s3.region.amazonaws.com/key (AWS's
//     default; needs a bucket name that is a DNS label, i.e. no '.' over
//     TLS);
//   - path: https://endpoint/bucket/key (MinIO, versitygw, moto, Ceph);
//   - auto (the default): virtual-host on AWS's own endpoint (path style
//     for a bucket with a '.', which AWS's wildcard certificate does not
//     cover), path style for any endpoint given explicitly, which is what
//     S3-compatible servers on a numeric address or a Service name need.
//
// Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger::store::s3 {

struct S3Uri {
  std::string bucket;
  std::string prefix;  // "" or "a/b/": what every key of the store starts with.
};

// InvalidArgument, naming the rule, for anything but s3://bucket[/prefix]
// with a bucket name S3 accepts (3–63 of a-z 0-9 . -, starting and ending
// with a letter or digit) and a prefix of valid key segments.
Result<S3Uri> ParseS3Uri(std::string_view uri);

enum class Addressing { kAuto, kPath, kVirtualHost };

// "auto", "path" or "virtual"; InvalidArgument otherwise.
Result<Addressing> ParseAddressing(std::string_view name);

struct S3Connection {
  // "http[s]://host[:port]"; empty: AWS, https://s3.<region>.amazonaws.com.
  std::string endpoint;
  std::string region = "us-east-1";
  Addressing addressing = Addressing::kAuto;
};

// How requests for one bucket are addressed.
struct BucketAddress {
  std::string base_url;     // "https://host[:port]", what the HTTP client connects to.
  std::string host;         // The Host header (and SigV4's host), port included if not default.
  std::string path_prefix;  // "/bucket" in path style, "" in virtual-host style.
  bool tls = true;
};

// InvalidArgument for an endpoint that is not http(s)://host[:port] (no
// path, query or credentials) or an empty region.
Result<BucketAddress> AddressBucket(const S3Connection& connection, std::string_view bucket);

}  // namespace runledger::store::s3
