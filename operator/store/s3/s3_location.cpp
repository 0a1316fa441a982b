#include "store/s3/s3_location.h"

namespace runledger::store::s3 {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

Status CheckBucket(std::string_view uri, std::string_view bucket) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("object store URI " + std::string(uri) + ": bucket \"" +
                           std::string(bucket) + "\" " + std::string(why));
  };
  if (bucket.size() < 3 || bucket.size() > 63) return bad("must be 3 to 63 characters long");
  for (char c : bucket) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-')
      return bad("may hold only lowercase letters, digits, '.' and '-'");
  }
  if (!IsLowerAlnum(bucket.front()) || !IsLowerAlnum(bucket.back()))
    return bad("must start and end with a letter or digit");
  if (bucket.find("..") != std::string_view::npos) return bad("may not hold \"..\"");
  return Status();
}

Status CheckPrefix(std::string_view uri, std::string_view prefix) {
  // Segments as object keys have them: non-empty, not "." or "..".
  size_t start = 0;
  while (start <= prefix.size()) {
    size_t end = prefix.find('/', start);
    if (end == std::string_view::npos) end = prefix.size();
    const std::string_view segment = prefix.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return InvalidArgument("object store URI " + std::string(uri) +
                             ": the prefix may not have empty, \".\" or \"..\" segments");
    }
    start = end + 1;
  }
  return Status();
}

}  // namespace

Result<S3Uri> ParseS3Uri(std::string_view uri) {
  constexpr std::string_view kScheme = "s3://";
  if (!uri.starts_with(kScheme)) {
    return InvalidArgument("object store URI " + std::string(uri) + ": want s3://bucket/prefix");
  }
  std::string_view rest = uri.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgument("object store URI " + std::string(uri) +
                           ": no query or fragment (the endpoint and region are the "
                           "operator's S3 settings)");
  }
  const size_t slash = rest.find('/');
  S3Uri out;
  out.bucket = std::string(rest.substr(0, slash));
  RETURN_IF_ERROR(CheckBucket(uri, out.bucket));
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    if (prefix.ends_with('/')) prefix.remove_suffix(1);  // s3://b/p/ is s3://b/p
    if (!prefix.empty()) {
      RETURN_IF_ERROR(CheckPrefix(uri, prefix));
      out.prefix = std::string(prefix) + "/";
    }
  }
  return out;
}

Result<Addressing> ParseAddressing(std::string_view name) {
  if (name == "auto") return Addressing::kAuto;
  if (name == "path") return Addressing::kPath;
  if (name == "virtual") return Addressing::kVirtualHost;
  return InvalidArgument("S3 addressing \"" + std::string(name) + "\": want auto, path or virtual");
}

Result<BucketAddress> AddressBucket(const S3Connection& connection, std::string_view bucket) {
  if (connection.region.empty()) return InvalidArgument("S3 region: empty");
  BucketAddress out;
  std::string host;
  bool path_style = false;
  if (connection.endpoint.empty()) {
    host = "s3." + connection.region + ".amazonaws.com";
    path_style =
        connection.addressing == Addressing::kPath ||
        (connection.addressing == Addressing::kAuto && bucket.find('.') != std::string_view::npos);
  } else {
    std::string_view e = connection.endpoint;
    if (e.starts_with("https://")) {
      e.remove_prefix(8);
    } else if (e.starts_with("http://")) {
      e.remove_prefix(7);
      out.tls = false;
    } else {
      return InvalidArgument("S3 endpoint " + connection.endpoint +
                             ": want http://host[:port] or https://host[:port]");
    }
    if (e.ends_with('/')) e.remove_suffix(1);
    if (e.empty() || e.find_first_of("/?#@ ") != std::string_view::npos) {
      return InvalidArgument("S3 endpoint " + connection.endpoint +
                             ": only a scheme, a host and a port (no path, query or user)");
    }
    host = std::string(e);
    path_style = connection.addressing != Addressing::kVirtualHost;
  }
  if (!path_style) host = std::string(bucket) + "." + host;
  out.host = host;
  out.base_url = (out.tls ? "https://" : "http://") + host;
  if (path_style) out.path_prefix = "/" + std::string(bucket);
  return out;
}

}  // namespace runledger::store::s3
