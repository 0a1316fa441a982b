#include "store/s3/s3_xml.h"

#include <charconv>
#include <optional>

#include "store/s3/xml.h"

namespace runledger::store::s3 {
namespace {

constexpr std::string_view kDeclaration = R"(<?xml version="1.0" encoding="UTF-8"?>)";
constexpr std::string_view kS3Namespace = R"( xmlns="http://s3.amazonaws.com/doc/2006-03-01/")";

Status Unexpected(const XmlElement& at, std::string_view path, std::string_view what) {
  return InvalidArgument("unexpected S3 answer at byte " + std::to_string(at.offset) + ": " +
                         std::string(path) + ": " + std::string(what));
}

std::string Indexed(std::string_view path, std::string_view name, size_t index) {
  return std::string(path) + "/" + std::string(name) + "[" + std::to_string(index) + "]";
}

// The only child `name` of `parent`, which must hold text alone; nullptr when
// there is none.
Result<const XmlElement*> Leaf(const XmlElement& parent, std::string_view path,
                               std::string_view name) {
  const XmlElement* found = nullptr;
  for (const XmlElement& child : parent.children) {
    if (child.name != name) continue;
    const auto refuse = [&](std::string_view what) {
      return Unexpected(child, std::string(path) + "/" + std::string(name), what);
    };
    if (found != nullptr) return refuse("appears more than once");
    if (!child.children.empty()) return refuse("holds elements where text was expected");
    found = &child;
  }
  return found;
}

Result<const XmlElement*> RequiredLeaf(const XmlElement& parent, std::string_view path,
                                       std::string_view name) {
  ASSIGN_OR_RETURN(const XmlElement* leaf, Leaf(parent, path, name));
  if (leaf == nullptr) return Unexpected(parent, path, "missing <" + std::string(name) + ">");
  return leaf;
}

Result<std::string> RequiredText(const XmlElement& parent, std::string_view path,
                                 std::string_view name) {
  ASSIGN_OR_RETURN(const XmlElement* leaf, RequiredLeaf(parent, path, name));
  return leaf->text;
}

// The text of an optional leaf; empty when absent.
Result<std::string> OptionalText(const XmlElement& parent, std::string_view path,
                                 std::string_view name) {
  ASSIGN_OR_RETURN(const XmlElement* leaf, Leaf(parent, path, name));
  return leaf == nullptr ? std::string() : leaf->text;
}

Result<uint64_t> RequiredUint(const XmlElement& parent, std::string_view path,
                              std::string_view name) {
  ASSIGN_OR_RETURN(const XmlElement* leaf, RequiredLeaf(parent, path, name));
  const std::string& text = leaf->text;
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return Unexpected(*leaf, std::string(path) + "/" + std::string(name),
                      "\"" + text + "\" is not a non-negative 64-bit integer");
  }
  return value;
}

Result<bool> RequiredBool(const XmlElement& parent, std::string_view path, std::string_view name) {
  ASSIGN_OR_RETURN(const XmlElement* leaf, RequiredLeaf(parent, path, name));
  if (leaf->text == "true") return true;
  if (leaf->text == "false") return false;
  return Unexpected(*leaf, std::string(path) + "/" + std::string(name),
                    "\"" + leaf->text + "\" is neither true nor false");
}

Result<SystemTime> RequiredTime(const XmlElement& parent, std::string_view path,
                                std::string_view name) {
  ASSIGN_OR_RETURN(const XmlElement* leaf, RequiredLeaf(parent, path, name));
  Result<SystemTime> time = ParseS3Time(leaf->text);
  if (!time.ok()) {
    return Unexpected(*leaf, std::string(path) + "/" + std::string(name), time.status().message());
  }
  return time;
}

// S3 quotes ETags ("\"9b2c...\""); callers compare the bare value.
std::string Unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Undoes S3's encoding-type=url: %HH is a byte, '+' a space (S3 writes a
// space as '+' and a '+' as %2B).
Result<std::string> UrlDecoded(const XmlElement& at, std::string_view path, std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] != '%') {
      out.push_back(text[i]);
    } else {
      const int high = i + 2 < text.size() ? HexDigit(text[i + 1]) : -1;
      const int low = high >= 0 ? HexDigit(text[i + 2]) : -1;
      if (low < 0) {
        return Unexpected(at, path,
                          "bad percent escape at character " + std::to_string(i) +
                              " of the url-encoded \"" + std::string(text) + "\"");
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    }
  }
  return out;
}

Result<S3Error> ErrorOf(const XmlElement& root) {
  S3Error error;
  ASSIGN_OR_RETURN(error.code, RequiredText(root, "Error", "Code"));
  ASSIGN_OR_RETURN(error.message, OptionalText(root, "Error", "Message"));
  ASSIGN_OR_RETURN(error.resource, OptionalText(root, "Error", "Resource"));
  ASSIGN_OR_RETURN(error.request_id, OptionalText(root, "Error", "RequestId"));
  return error;
}

Status WrongRoot(const XmlElement& root, std::string_view expected) {
  std::string found = "<" + root.name + ">";
  if (root.name == "Error") {
    if (const Result<S3Error> error = ErrorOf(root); error.ok()) {
      found = "an S3 Error (" + error->code + ": " + error->message + ")";
    }
  }
  return Unexpected(root, root.name, "expected <" + std::string(expected) + ">, found " + found);
}

Result<XmlElement> ParseRoot(std::string_view body, std::string_view root_name) {
  ASSIGN_OR_RETURN(XmlElement root, ParseXml(body));
  if (root.name != root_name) return WrongRoot(root, root_name);
  return root;
}

// For the calls S3 answers 200 before it knows the outcome (see the header).
template <typename T>
Result<OrS3Error<T>> ParseResultOrError(std::string_view body, std::string_view root_name,
                                        Result<T> (*parse)(const XmlElement& root)) {
  size_t keep_alive = 0;
  while (keep_alive < body.size() && (body[keep_alive] == ' ' || body[keep_alive] == '\t' ||
                                      body[keep_alive] == '\n' || body[keep_alive] == '\r')) {
    ++keep_alive;
  }
  Result<XmlElement> root = ParseXml(body.substr(keep_alive));
  if (!root.ok()) {
    if (keep_alive == 0) return root.status();
    return root.status().WithContext("after " + std::to_string(keep_alive) +
                                     " bytes of leading whitespace");
  }
  if (root->name == "Error") {
    ASSIGN_OR_RETURN(S3Error error, ErrorOf(*root));
    return OrS3Error<T>(std::move(error));
  }
  if (root->name != root_name) return WrongRoot(*root, root_name);
  ASSIGN_OR_RETURN(T result, parse(*root));
  return OrS3Error<T>(std::move(result));
}

Result<CopyResult> CopyResultOf(const XmlElement& root) {
  CopyResult result;
  ASSIGN_OR_RETURN(std::string etag, RequiredText(root, root.name, "ETag"));
  result.etag = Unquoted(etag);
  ASSIGN_OR_RETURN(result.last_modified, RequiredTime(root, root.name, "LastModified"));
  return result;
}

Result<CompleteMultipartUploadResult> CompleteResultOf(const XmlElement& root) {
  CompleteMultipartUploadResult result;
  ASSIGN_OR_RETURN(result.location, OptionalText(root, root.name, "Location"));
  ASSIGN_OR_RETURN(std::string etag, RequiredText(root, root.name, "ETag"));
  result.etag = Unquoted(etag);
  return result;
}

// <name>escaped text</name>; `what` names the value in an error.
Status AppendElement(std::string* out, std::string_view name, std::string_view text,
                     std::string_view what) {
  out->append("<").append(name).append(">");
  RETURN_IF_ERROR(AppendEscapedXml(out, text).WithContext(what));
  out->append("</").append(name).append(">");
  return Status::Ok();
}

}  // namespace

Result<S3Error> ParseErrorDocument(std::string_view body) {
  ASSIGN_OR_RETURN(XmlElement root, ParseRoot(body, "Error"));
  return ErrorOf(root);
}

Result<ListObjectsV2Result> ParseListObjectsV2(std::string_view body) {
  constexpr std::string_view kRoot = "ListBucketResult";
  ASSIGN_OR_RETURN(XmlElement root, ParseRoot(body, kRoot));
  ASSIGN_OR_RETURN(const XmlElement* encoding, Leaf(root, kRoot, "EncodingType"));
  // versitygw answers an empty <EncodingType/> when it did not encode.
  if (encoding != nullptr && !encoding->text.empty() && encoding->text != "url") {
    return Unexpected(*encoding, "ListBucketResult/EncodingType",
                      "unknown encoding \"" + encoding->text + "\"");
  }
  // Decodes when S3 says it encoded; keeps the text otherwise.
  const auto decoded = [&](const XmlElement& at, std::string_view path,
                           std::string text) -> Result<std::string> {
    if (encoding == nullptr || encoding->text.empty()) return text;
    return UrlDecoded(at, path, text);
  };

  ListObjectsV2Result page;
  ASSIGN_OR_RETURN(std::string prefix, OptionalText(root, kRoot, "Prefix"));
  ASSIGN_OR_RETURN(page.prefix, decoded(root, "ListBucketResult/Prefix", std::move(prefix)));

  const std::vector<const XmlElement*> contents = root.Children("Contents");
  page.contents.reserve(contents.size());
  for (size_t i = 0; i < contents.size(); ++i) {
    const XmlElement& entry = *contents[i];
    const std::string path = Indexed(kRoot, "Contents", i);
    ListedObject object;
    ASSIGN_OR_RETURN(std::string key, RequiredText(entry, path, "Key"));
    ASSIGN_OR_RETURN(object.key, decoded(entry, path + "/Key", std::move(key)));
    ASSIGN_OR_RETURN(object.size, RequiredUint(entry, path, "Size"));
    ASSIGN_OR_RETURN(object.last_modified, RequiredTime(entry, path, "LastModified"));
    ASSIGN_OR_RETURN(std::string etag, OptionalText(entry, path, "ETag"));
    object.etag = Unquoted(etag);
    ASSIGN_OR_RETURN(object.storage_class, OptionalText(entry, path, "StorageClass"));
    page.contents.push_back(std::move(object));
  }

  const std::vector<const XmlElement*> prefixes = root.Children("CommonPrefixes");
  page.common_prefixes.reserve(prefixes.size());
  for (size_t i = 0; i < prefixes.size(); ++i) {
    const std::string path = Indexed(kRoot, "CommonPrefixes", i);
    ASSIGN_OR_RETURN(std::string common, RequiredText(*prefixes[i], path, "Prefix"));
    ASSIGN_OR_RETURN(common, decoded(*prefixes[i], path + "/Prefix", std::move(common)));
    page.common_prefixes.push_back(std::move(common));
  }

  ASSIGN_OR_RETURN(page.is_truncated, RequiredBool(root, kRoot, "IsTruncated"));
  ASSIGN_OR_RETURN(page.next_continuation_token,
                   OptionalText(root, kRoot, "NextContinuationToken"));
  if (page.is_truncated && page.next_continuation_token.empty()) {
    return Unexpected(root, kRoot, "IsTruncated is true but NextContinuationToken is missing");
  }
  ASSIGN_OR_RETURN(const XmlElement* key_count, Leaf(root, kRoot, "KeyCount"));
  if (key_count == nullptr) {
    page.key_count = page.contents.size() + page.common_prefixes.size();
  } else {
    ASSIGN_OR_RETURN(page.key_count, RequiredUint(root, kRoot, "KeyCount"));
  }
  return page;
}

Result<std::string> BuildDeleteObjectsBody(std::span<const std::string> keys, bool quiet) {
  if (keys.empty()) return InvalidArgument("DeleteObjects needs at least one key");
  if (keys.size() > kMaxDeleteObjectsKeys) {
    return InvalidArgument("DeleteObjects takes at most " + std::to_string(kMaxDeleteObjectsKeys) +
                           " keys, not " + std::to_string(keys.size()));
  }
  std::string body(kDeclaration);
  body.append("<Delete").append(kS3Namespace).append(">");
  body.append(quiet ? "<Quiet>true</Quiet>" : "<Quiet>false</Quiet>");
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string what = "DeleteObjects key " + std::to_string(i);
    if (keys[i].empty()) return InvalidArgument(what + " is empty");
    body.append("<Object>");
    RETURN_IF_ERROR(AppendElement(&body, "Key", keys[i], what));
    body.append("</Object>");
  }
  body.append("</Delete>");
  return body;
}

Result<DeleteObjectsResult> ParseDeleteObjects(std::string_view body) {
  constexpr std::string_view kRoot = "DeleteResult";
  ASSIGN_OR_RETURN(XmlElement root, ParseRoot(body, kRoot));
  DeleteObjectsResult result;
  const std::vector<const XmlElement*> deleted = root.Children("Deleted");
  for (size_t i = 0; i < deleted.size(); ++i) {
    ASSIGN_OR_RETURN(std::string key,
                     RequiredText(*deleted[i], Indexed(kRoot, "Deleted", i), "Key"));
    result.deleted.push_back(std::move(key));
  }
  const std::vector<const XmlElement*> errors = root.Children("Error");
  for (size_t i = 0; i < errors.size(); ++i) {
    const std::string path = Indexed(kRoot, "Error", i);
    DeleteObjectsError error;
    ASSIGN_OR_RETURN(error.key, RequiredText(*errors[i], path, "Key"));
    ASSIGN_OR_RETURN(error.code, RequiredText(*errors[i], path, "Code"));
    ASSIGN_OR_RETURN(error.message, OptionalText(*errors[i], path, "Message"));
    result.errors.push_back(std::move(error));
  }
  return result;
}

bool CountsAsDeleted(const DeleteObjectsError& error) { return error.code == "NoSuchKey"; }

Result<OrS3Error<CopyResult>> ParseCopyObjectAnswer(std::string_view body) {
  return ParseResultOrError<CopyResult>(body, "CopyObjectResult", &CopyResultOf);
}

Result<OrS3Error<CopyResult>> ParseUploadPartCopyAnswer(std::string_view body) {
  return ParseResultOrError<CopyResult>(body, "CopyPartResult", &CopyResultOf);
}

Result<std::string> ParseInitiateMultipartUpload(std::string_view body) {
  constexpr std::string_view kRoot = "InitiateMultipartUploadResult";
  ASSIGN_OR_RETURN(XmlElement root, ParseRoot(body, kRoot));
  ASSIGN_OR_RETURN(std::string upload_id, RequiredText(root, kRoot, "UploadId"));
  if (upload_id.empty()) return Unexpected(root, kRoot, "the UploadId is empty");
  return upload_id;
}

Result<std::string> BuildCompleteMultipartUploadBody(std::span<const CompletedPart> parts) {
  constexpr int kMaxPartNumber = 10000;
  if (parts.empty()) return InvalidArgument("CompleteMultipartUpload needs at least one part");
  std::string body(kDeclaration);
  body.append("<CompleteMultipartUpload").append(kS3Namespace).append(">");
  int previous = 0;
  for (const CompletedPart& part : parts) {
    const std::string what = "CompleteMultipartUpload part " + std::to_string(part.part_number);
    if (part.part_number < 1 || part.part_number > kMaxPartNumber) {
      return InvalidArgument(what + ": part numbers run from 1 to " +
                             std::to_string(kMaxPartNumber));
    }
    if (part.part_number <= previous) {
      return InvalidArgument(what + " follows part " + std::to_string(previous) +
                             ": parts must be in strictly ascending order");
    }
    previous = part.part_number;
    const std::string etag = Unquoted(part.etag);
    if (etag.empty()) return InvalidArgument(what + " has no ETag");
    body.append("<Part><ETag>\"");
    RETURN_IF_ERROR(AppendEscapedXml(&body, etag).WithContext(what + " ETag"));
    body.append("\"</ETag><PartNumber>")
        .append(std::to_string(part.part_number))
        .append("</PartNumber></Part>");
  }
  body.append("</CompleteMultipartUpload>");
  return body;
}

Result<OrS3Error<CompleteMultipartUploadResult>> ParseCompleteMultipartUploadAnswer(
    std::string_view body) {
  return ParseResultOrError<CompleteMultipartUploadResult>(body, "CompleteMultipartUploadResult",
                                                           &CompleteResultOf);
}

Result<std::vector<Tag>> ParseGetObjectTagging(std::string_view body) {
  constexpr std::string_view kRoot = "Tagging";
  ASSIGN_OR_RETURN(XmlElement root, ParseRoot(body, kRoot));
  std::vector<Tag> tags;
  const std::vector<const XmlElement*> sets = root.Children("TagSet");
  if (sets.size() > 1) return Unexpected(*sets[1], "Tagging/TagSet", "appears more than once");
  if (sets.empty()) return tags;
  const std::vector<const XmlElement*> entries = sets[0]->Children("Tag");
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string path = Indexed("Tagging/TagSet", "Tag", i);
    Tag tag;
    ASSIGN_OR_RETURN(tag.key, RequiredText(*entries[i], path, "Key"));
    ASSIGN_OR_RETURN(tag.value, RequiredText(*entries[i], path, "Value"));
    tags.push_back(std::move(tag));
  }
  return tags;
}

Result<std::string> BuildTaggingBody(std::span<const Tag> tags) {
  std::string body(kDeclaration);
  body.append("<Tagging").append(kS3Namespace).append("><TagSet>");
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string what = "tag " + std::to_string(i);
    body.append("<Tag>");
    RETURN_IF_ERROR(AppendElement(&body, "Key", tags[i].key, what + " key"));
    RETURN_IF_ERROR(AppendElement(&body, "Value", tags[i].value, what + " value"));
    body.append("</Tag>");
  }
  body.append("</TagSet></Tagging>");
  return body;
}

Result<SystemTime> ParseS3Time(std::string_view text) {
  const auto malformed = [&] {
    return InvalidArgument("\"" + std::string(text) +
                           "\" is not an ISO-8601 time like 2009-10-12T17:50:30.000Z");
  };
  // The value of the `n` decimal digits at `at`, or nullopt.
  const auto digits = [&](size_t at, size_t n) -> std::optional<int> {
    if (at + n > text.size()) return std::nullopt;
    int value = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const std::optional<int> year = digits(0, 4), month = digits(5, 2), day = digits(8, 2),
                           hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      text[10] != 'T' || text[13] != ':' || text[16] != ':' || *hour > 23 || *minute > 59 ||
      *second > 59) {
    return malformed();
  }
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return malformed();

  size_t at = 19;
  std::chrono::nanoseconds fraction{0};
  if (at < text.size() && text[at] == '.') {
    const size_t start = ++at;
    int64_t scale = 100'000'000;
    for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      fraction += std::chrono::nanoseconds((text[at] - '0') * scale);
      scale /= 10;  // Digits past the ninth add nothing.
    }
    if (at == start) return malformed();
  }
  std::chrono::minutes zone_offset{0};
  const std::string_view zone = text.substr(at);
  if (zone == "Z" || zone.empty()) {
    // UTC.
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const std::optional<int> hours = digits(at + 1, 2), minutes = digits(at + 4, 2);
    if (!hours || !minutes || *hours > 23 || *minutes > 59) return malformed();
    zone_offset = std::chrono::minutes(*hours * 60 + *minutes);
    if (zone[0] == '-') zone_offset = -zone_offset;
  } else {
    return malformed();
  }
  const auto utc = std::chrono::sys_days(date) + std::chrono::hours(*hour) +
                   std::chrono::minutes(*minute) + std::chrono::seconds(*second) + fraction -
                   zone_offset;
  return std::chrono::time_point_cast<SystemTime::duration>(utc);
}

}  // namespace runledger::store::s3
