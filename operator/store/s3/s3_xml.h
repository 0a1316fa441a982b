// The XML of S3's REST API: parsers of the answers runledger reads into plain
// structs, and builders of the request bodies it sends. No network here; the
// client (store/s3_object_store.cpp) sends requests and maps errors to Status.
//
// Parsers take the whole answer body. They fail with InvalidArgument, whose
// message names a byte offset and, past the XML layer, the element path
// (e.g. "ListBucketResult/Contents[3]/Size"), when:
//   - the body is not well-formed XML as xml.h reads it (no DTDs, no entities
//     beyond the predefined five, size and depth limited);
//   - the root element is not the one the call answers with (when the root is
//     an S3 <Error>, the message carries its Code and Message);
//   - an element S3 always sends is missing, appears twice, or its text is not
//     of its type (a number, "true"/"false", an ISO-8601 time).
// Elements they do not read are ignored, so fields S3 adds break nothing.
// Namespaces are not checked: AWS puts xmlns on most roots but not on
// CopyObjectResult or Error, and other S3 implementations differ.
//
// Builders refuse (InvalidArgument) text that XML 1.0 cannot carry: bytes that
// are not UTF-8 and control characters other than tab, LF and CR. Such keys
// can still be deleted one at a time with DeleteObject, whose key travels in
// the URL. Builders escape everything else (see AppendEscapedXml).
//
// Pure functions. Thread-safety: results are plain values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace runledger::store::s3 {

using SystemTime = std::chrono::system_clock::time_point;

// An S3 <Error> document: the body of a 4xx/5xx answer, and of some 200
// answers (see ParseCopyObjectAnswer). S3 does not always send the fields
// after `code`; they are then empty.
struct S3Error {
  std::string code;  // e.g. "NoSuchKey", "SlowDown", "InternalError".
  std::string message;
  std::string resource;  // e.g. "/bucket/key".
  std::string request_id;
};

// Parses an <Error> document. A missing <Code> is an error.
Result<S3Error> ParseErrorDocument(std::string_view body);

// The result of a call that S3 may answer 200 and then fail: either T or the
// error S3 reported in the body.
template <typename T>
using OrS3Error = std::variant<T, S3Error>;

// ---------------------------------------------------------------- ListObjectsV2

// One <Contents> entry.
struct ListedObject {
  std::string key;
  uint64_t size = 0;
  SystemTime last_modified;
  std::string etag;           // Surrounding quotes removed; empty if S3 sent none.
  std::string storage_class;  // e.g. "STANDARD"; empty if S3 sent none.
};

// A <ListBucketResult> page.
struct ListObjectsV2Result {
  std::string prefix;  // The prefix the request asked for, as S3 echoes it.
  std::vector<ListedObject> contents;
  std::vector<std::string> common_prefixes;  // <CommonPrefixes><Prefix> values.
  bool is_truncated = false;
  std::string next_continuation_token;  // Non-empty whenever is_truncated.
  // <KeyCount>: objects plus common prefixes on this page. When S3 omits it,
  // the number of entries parsed.
  uint64_t key_count = 0;
};

// Parses a ListObjectsV2 answer. When it carries <EncodingType>url</EncodingType>
// (the client always asks for encoding-type=url, since keys may hold
// characters XML 1.0 cannot), Key, Prefix and the common prefixes are
// percent-decoded, '+' meaning a space, as AWS's SDKs decode them. Errors, on
// top of those above: <IsTruncated>true without a <NextContinuationToken>
// (the listing could not go on), an EncodingType other than "url" (an empty
// one, as versitygw sends, means not encoded), a malformed
// percent escape, a <LastModified> that is not ISO-8601 (see ParseS3Time).
Result<ListObjectsV2Result> ParseListObjectsV2(std::string_view body);

// ---------------------------------------------------------------- DeleteObjects

// The most keys one DeleteObjects request may name.
inline constexpr size_t kMaxDeleteObjectsKeys = 1000;

// The <Delete> body of a DeleteObjects request. With `quiet`, S3 answers with
// the errors only. InvalidArgument for no keys, more than
// kMaxDeleteObjectsKeys, an empty key, or a key XML cannot carry (the message
// names its index). S3 requires a Content-MD5 or x-amz-checksum-* header on
// this request; that is the caller's.
Result<std::string> BuildDeleteObjectsBody(std::span<const std::string> keys, bool quiet);

// One <Error> entry of a DeleteResult: this key was not deleted.
struct DeleteObjectsError {
  std::string key;
  std::string code;  // e.g. "AccessDenied", "InternalError", "NoSuchKey".
  std::string message;
};

struct DeleteObjectsResult {
  std::vector<std::string> deleted;  // <Deleted><Key> values; empty when quiet.
  std::vector<DeleteObjectsError> errors;
};

// Parses a DeleteObjects answer (<DeleteResult>). Keys are given as sent: S3
// does not url-encode them in this answer.
Result<DeleteObjectsResult> ParseDeleteObjects(std::string_view body);

// Policy: a key S3 reports as NoSuchKey is gone, which is what the delete
// wanted, so it counts as deleted (ObjectStore::Delete of a missing key
// succeeds too). AWS itself reports missing keys as <Deleted>; some S3
// implementations report NoSuchKey. Every other code is a failure for that key.
bool CountsAsDeleted(const DeleteObjectsError& error);

// ------------------------------------------------------- CopyObject, UploadPartCopy

// <CopyObjectResult> and <CopyPartResult>.
struct CopyResult {
  std::string etag;  // Quotes removed.
  SystemTime last_modified;
};

// Parse the body of a 200 answer to CopyObject (<CopyObjectResult>) or to
// UploadPartCopy (<CopyPartResult>). S3 sends 200 as soon as it accepts the
// copy, then keep-alive whitespace while copying, then either the result or an
// <Error>, which these return as the S3Error alternative: the copy failed.
// Leading whitespace is skipped for that reason (it may precede the XML
// declaration, which plain XML forbids); error offsets then count from the
// first byte after it. A body that does not parse (e.g. the connection broke
// mid-copy) is InvalidArgument: the outcome is unknown.
Result<OrS3Error<CopyResult>> ParseCopyObjectAnswer(std::string_view body);
Result<OrS3Error<CopyResult>> ParseUploadPartCopyAnswer(std::string_view body);

// ---------------------------------------------------------------- Multipart upload

// The UploadId of an <InitiateMultipartUploadResult>; an empty one is an error.
Result<std::string> ParseInitiateMultipartUpload(std::string_view body);

// One part of a CompleteMultipartUpload request.
struct CompletedPart {
  int part_number = 0;  // 1..10000.
  std::string etag;     // As UploadPart's ETag header gave it, quoted or not.
};

// The <CompleteMultipartUpload> body, each ETag written quoted as S3 expects.
// InvalidArgument for no parts, a part number outside 1..10000, part numbers
// not strictly ascending (S3 would answer InvalidPartOrder), an empty ETag or
// one XML cannot carry.
Result<std::string> BuildCompleteMultipartUploadBody(std::span<const CompletedPart> parts);

// <CompleteMultipartUploadResult>.
struct CompleteMultipartUploadResult {
  std::string location;  // Empty if S3 sent none.
  std::string etag;      // Quotes removed; e.g. "3858f62230ac3c915f300c664312c11f-9".
};

// Parses the body of a 200 answer to CompleteMultipartUpload, which like
// CopyObject may carry an <Error> after keep-alive whitespace: see
// ParseCopyObjectAnswer. An S3Error means the upload was not completed.
Result<OrS3Error<CompleteMultipartUploadResult>> ParseCompleteMultipartUploadAnswer(
    std::string_view body);

// ---------------------------------------------------------------- Tagging

struct Tag {
  std::string key;
  std::string value;
};

// The tags of a GetObjectTagging answer (<Tagging><TagSet><Tag>), in order.
Result<std::vector<Tag>> ParseGetObjectTagging(std::string_view body);

// The <Tagging> body of PutObjectTagging; no tags makes an empty TagSet, which
// removes them all. S3 enforces its own limits (10 tags, key and value
// lengths); this only refuses text XML cannot carry.
Result<std::string> BuildTaggingBody(std::span<const Tag> tags);

// ---------------------------------------------------------------- Parts

// An S3 time, e.g. "2009-10-12T17:50:30.000Z": ISO-8601 date and time, any
// number of fraction digits (nanoseconds kept), then "Z", "+hh:mm"/"-hh:mm",
// or nothing (UTC: AWS's own CopyObject example has no zone). InvalidArgument
// otherwise, e.g. for a day that does not exist.
Result<SystemTime> ParseS3Time(std::string_view text);

}  // namespace runledger::store::s3
