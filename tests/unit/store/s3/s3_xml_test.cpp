#include "store/s3/s3_xml.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/s3/xml.h"

namespace runledger::store::s3 {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using namespace std::chrono_literals;

// Success when `status` is InvalidArgument and its message holds every one of `words`.
::testing::AssertionResult InvalidWith(const Status& status,
                                       std::initializer_list<std::string_view> words) {
  bool all = status.code() == Code::kInvalidArgument;
  for (std::string_view w : words) all = all && status.message().find(w) != std::string::npos;
  if (all) return ::testing::AssertionSuccess();
  ::testing::AssertionResult failure = ::testing::AssertionFailure();
  failure << "wanted InvalidArgument with";
  for (std::string_view w : words) failure << " \"" << w << "\"";
  return failure << ", got " << status.ToString();
}

// A page as AWS documents it, truncated, with the ETag entity-escaped as S3 sends it.
constexpr std::string_view kTruncatedPage = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix></Prefix>
  <KeyCount>2</KeyCount>
  <MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents>
    <Key>happyface.jpg</Key>
    <LastModified>2014-11-21T19:40:05.000Z</LastModified>
    <ETag>&quot;70ee1738b6b21e2c8a43f3a5ab0eee71&quot;</ETag>
    <Size>11</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <Contents>
    <Key>test.jpg</Key>
    <LastModified>2014-05-02T04:51:50.000Z</LastModified>
    <ETag>"a5de0e4cb8e1f6d44d1f2b4c3c0d4a31-2"</ETag>
    <Size>434234</Size>
    <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID></Owner>
    <StorageClass>STANDARD_IA</StorageClass>
  </Contents>
</ListBucketResult>)";

TEST(ParseListObjectsV2Test, ReadsATruncatedPage) {
  Result<ListObjectsV2Result> page = ParseListObjectsV2(kTruncatedPage);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  EXPECT_EQ(page->key_count, 2u);
  EXPECT_EQ(page->prefix, "");
  ASSERT_EQ(page->contents.size(), 2u);
  const ListedObject& first = page->contents[0];
  EXPECT_EQ(first.key, "happyface.jpg");
  EXPECT_EQ(first.size, 11u);
  EXPECT_EQ(first.last_modified,
            sys_days(std::chrono::year(2014) / 11 / 21) + hours(19) + minutes(40) + seconds(5));
  EXPECT_EQ(first.etag, "70ee1738b6b21e2c8a43f3a5ab0eee71");
  EXPECT_EQ(first.storage_class, "STANDARD");
  EXPECT_EQ(page->contents[1].etag, "a5de0e4cb8e1f6d44d1f2b4c3c0d4a31-2");
  EXPECT_EQ(page->contents[1].size, 434234u);
  EXPECT_TRUE(page->common_prefixes.empty());
}

TEST(ParseListObjectsV2Test, PercentDecodesKeysAndPrefixesWhenUrlEncoded) {
  Result<ListObjectsV2Result> page = ParseListObjectsV2(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix>runs%2Fmy+run%2F</Prefix>
  <KeyCount>3</KeyCount>
  <MaxKeys>1000</MaxKeys>
  <Delimiter>%2F</Delimiter>
  <EncodingType>url</EncodingType>
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>runs%2Fmy+run%2Fa%2Bb+c.txt</Key>
    <LastModified>2024-01-02T03:04:05.678Z</LastModified>
    <ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag>
    <Size>0</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <Contents>
    <Key>runs%2Fmy+run%2Fcaf%C3%A9%F0%9F%98%80%01</Key>
    <LastModified>2024-01-02T03:04:05.678Z</LastModified>
    <ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag>
    <Size>0</Size>
  </Contents>
  <CommonPrefixes><Prefix>runs%2Fmy+run%2F100%25%2F</Prefix></CommonPrefixes>
</ListBucketResult>)");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->prefix, "runs/my run/");
  ASSERT_EQ(page->contents.size(), 2u);
  EXPECT_EQ(page->contents[0].key, "runs/my run/a+b c.txt");
  // A control character XML 1.0 cannot carry arrives intact: why we ask for url encoding.
  EXPECT_EQ(page->contents[1].key, "runs/my run/caf\xC3\xA9\xF0\x9F\x98\x80\x01");
  EXPECT_EQ(page->contents[1].storage_class, "");
  EXPECT_EQ(page->contents[0].last_modified.time_since_epoch() % seconds(1), milliseconds(678));
  EXPECT_EQ(page->common_prefixes, std::vector<std::string>{"runs/my run/100%/"});
}

TEST(ParseListObjectsV2Test, KeepsKeysAsWrittenWithoutEncodingType) {
  Result<ListObjectsV2Result> page = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>100%25+x</Key>"
      "<LastModified>2024-01-02T03:04:05Z</LastModified><Size>1</Size></Contents>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->contents[0].key, "100%25+x");
  // versitygw's way of saying it did not encode.
  Result<ListObjectsV2Result> empty_type = ParseListObjectsV2(
      "<ListBucketResult><EncodingType></EncodingType><IsTruncated>false</IsTruncated>"
      "<Contents><Key>100%25+x</Key><LastModified>2024-01-02T03:04:05Z</LastModified>"
      "<Size>1</Size></Contents></ListBucketResult>");
  ASSERT_TRUE(empty_type.ok()) << empty_type.status().ToString();
  EXPECT_EQ(empty_type->contents[0].key, "100%25+x");
}

TEST(ParseListObjectsV2Test, ReadsEntitiesAndCdataInKeys) {
  Result<ListObjectsV2Result> page = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>false</IsTruncated>"
      "<Contents><Key>a&amp;b&lt;c&gt;&quot;d&apos;&#x1F600;</Key>"
      "<LastModified>2024-01-02T03:04:05Z</LastModified><Size>1</Size></Contents>"
      "<Contents><Key><![CDATA[x<y&z]]></Key>"
      "<LastModified>2024-01-02T03:04:05Z</LastModified><Size>2</Size></Contents>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->contents[0].key, "a&b<c>\"d'\xF0\x9F\x98\x80");
  EXPECT_EQ(page->contents[1].key, "x<y&z");
}

TEST(ParseListObjectsV2Test, ReadsAnEmptyListing) {
  Result<ListObjectsV2Result> page = ParseListObjectsV2(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix>nothing%2F</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated></ListBucketResult>)");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->contents.empty());
  EXPECT_TRUE(page->common_prefixes.empty());
  EXPECT_FALSE(page->is_truncated);
  EXPECT_EQ(page->key_count, 0u);
  EXPECT_EQ(page->prefix, "nothing/");
}

TEST(ParseListObjectsV2Test, MissingKeyCountIsTheNumberOfEntries) {
  Result<ListObjectsV2Result> page = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>false</IsTruncated>"
      "<CommonPrefixes><Prefix>a/</Prefix></CommonPrefixes>"
      "<CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->key_count, 2u);
}

TEST(ParseListObjectsV2Test, TruncatedWithoutContinuationTokenIsRefused) {
  EXPECT_TRUE(InvalidWith(
      ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>")
          .status(),
      {"at byte 0", "NextContinuationToken is missing"}));
}

TEST(ParseListObjectsV2Test, MissingIsTruncatedIsRefused) {
  EXPECT_TRUE(InvalidWith(ParseListObjectsV2("<ListBucketResult></ListBucketResult>").status(),
                          {"missing <IsTruncated>"}));
}

TEST(ParseListObjectsV2Test, BadSizeNamesItsPath) {
  EXPECT_TRUE(InvalidWith(
      ParseListObjectsV2("<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key>"
                         "<LastModified>2024-01-02T03:04:05Z</LastModified><Size>-1</Size>"
                         "</Contents></ListBucketResult>")
          .status(),
      {"at byte 121", "ListBucketResult/Contents[0]/Size", "\"-1\" is not"}));
}

TEST(ParseListObjectsV2Test, BadLastModifiedNamesItsPath) {
  EXPECT_TRUE(InvalidWith(
      ParseListObjectsV2("<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key>"
                         "<LastModified>yesterday</LastModified><Size>1</Size>"
                         "</Contents></ListBucketResult>")
          .status(),
      {"Contents[0]/LastModified", "\"yesterday\" is not an ISO-8601 time"}));
}

TEST(ParseListObjectsV2Test, DuplicateKeyIsRefused) {
  EXPECT_TRUE(InvalidWith(
      ParseListObjectsV2("<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a</Key>"
                         "<Key>b</Key><LastModified>2024-01-02T03:04:05Z</LastModified>"
                         "<Size>1</Size></Contents></ListBucketResult>")
          .status(),
      {"Contents[0]/Key: appears more than once"}));
}

TEST(ParseListObjectsV2Test, BadPercentEscapeIsRefused) {
  EXPECT_TRUE(InvalidWith(
      ParseListObjectsV2("<ListBucketResult><EncodingType>url</EncodingType>"
                         "<IsTruncated>false</IsTruncated>"
                         "<CommonPrefixes><Prefix>a%2</Prefix></CommonPrefixes></ListBucketResult>")
          .status(),
      {"CommonPrefixes[0]/Prefix", "bad percent escape at character 1"}));
}

TEST(ParseListObjectsV2Test, UnknownEncodingTypeIsRefused) {
  EXPECT_TRUE(InvalidWith(ParseListObjectsV2("<ListBucketResult><EncodingType>base64</EncodingType>"
                                             "<IsTruncated>false</IsTruncated></ListBucketResult>")
                              .status(),
                          {"unknown encoding \"base64\""}));
}

TEST(ParseListObjectsV2Test, ErrorDocumentInsteadIsRefusedWithItsCode) {
  EXPECT_TRUE(InvalidWith(
      ParseListObjectsV2("<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")
          .status(),
      {"expected <ListBucketResult>", "AccessDenied: Access Denied"}));
}

TEST(ParseListObjectsV2Test, MalformedXmlIsRefusedWithItsOffset) {
  EXPECT_TRUE(InvalidWith(ParseListObjectsV2("<ListBucketResult><IsTruncated>").status(),
                          {"malformed XML at byte 31"}));
}

TEST(ParseErrorDocumentTest, ReadsEveryField) {
  Result<S3Error> error = ParseErrorDocument(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchKey</Code>
  <Message>The resource you requested does not exist</Message>
  <Resource>/mybucket/myfoto.jpg</Resource>
  <RequestId>4442587FB7D0A2F9</RequestId>
</Error>)");
  ASSERT_TRUE(error.ok()) << error.status().ToString();
  EXPECT_EQ(error->code, "NoSuchKey");
  EXPECT_EQ(error->message, "The resource you requested does not exist");
  EXPECT_EQ(error->resource, "/mybucket/myfoto.jpg");
  EXPECT_EQ(error->request_id, "4442587FB7D0A2F9");
}

TEST(ParseErrorDocumentTest, OnlyCodeIsRequired) {
  Result<S3Error> error = ParseErrorDocument("<Error><Code>SlowDown</Code></Error>");
  ASSERT_TRUE(error.ok()) << error.status().ToString();
  EXPECT_EQ(error->code, "SlowDown");
  EXPECT_EQ(error->message, "");
  EXPECT_TRUE(InvalidWith(ParseErrorDocument("<Error><Message>x</Message></Error>").status(),
                          {"Error: missing <Code>"}));
}

TEST(ParseDeleteObjectsTest, SeparatesDeletedKeysFromErrors) {
  Result<DeleteObjectsResult> result = ParseDeleteObjects(R"(<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Deleted>
    <Key>sample1.txt</Key>
  </Deleted>
  <Error>
    <Key>sample2.txt</Key>
    <Code>AccessDenied</Code>
    <Message>Access Denied</Message>
  </Error>
  <Deleted>
    <Key>a &amp; b.txt</Key>
    <VersionId>3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo</VersionId>
  </Deleted>
  <Error>
    <Key>gone.txt</Key>
    <Code>NoSuchKey</Code>
    <Message>The specified key does not exist.</Message>
  </Error>
</DeleteResult>)");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->deleted, (std::vector<std::string>{"sample1.txt", "a & b.txt"}));
  ASSERT_EQ(result->errors.size(), 2u);
  EXPECT_EQ(result->errors[0].key, "sample2.txt");
  EXPECT_EQ(result->errors[0].code, "AccessDenied");
  EXPECT_EQ(result->errors[0].message, "Access Denied");
  EXPECT_FALSE(CountsAsDeleted(result->errors[0]));
  EXPECT_EQ(result->errors[1].key, "gone.txt");
  EXPECT_TRUE(CountsAsDeleted(result->errors[1]));
}

TEST(ParseDeleteObjectsTest, QuietAnswerWithNoErrorsIsEmpty) {
  Result<DeleteObjectsResult> result =
      ParseDeleteObjects("<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->deleted.empty());
  EXPECT_TRUE(result->errors.empty());
}

TEST(ParseDeleteObjectsTest, ErrorEntryWithoutCodeIsRefused) {
  EXPECT_TRUE(InvalidWith(
      ParseDeleteObjects("<DeleteResult><Error><Key>k</Key></Error></DeleteResult>").status(),
      {"DeleteResult/Error[0]: missing <Code>"}));
}

TEST(ParseCopyObjectAnswerTest, ReadsTheResult) {
  Result<OrS3Error<CopyResult>> answer =
      ParseCopyObjectAnswer(R"(<?xml version="1.0" encoding="UTF-8"?>
<CopyObjectResult>
  <LastModified>2009-10-28T22:32:00.000Z</LastModified>
  <ETag>"9b2cf535f27731c974343645a3985328"</ETag>
</CopyObjectResult>)");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  const CopyResult* result = std::get_if<CopyResult>(&*answer);
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->etag, "9b2cf535f27731c974343645a3985328");
  EXPECT_EQ(result->last_modified,
            sys_days(std::chrono::year(2009) / 10 / 28) + hours(22) + minutes(32));
}

TEST(ParseCopyObjectAnswerTest, ErrorInA200AnswerIsTheS3ErrorAlternative) {
  // S3 answered 200, sent keep-alive whitespace while copying, then failed.
  Result<OrS3Error<CopyResult>> answer = ParseCopyObjectAnswer(R"(
          
<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>InternalError</Code>
  <Message>We encountered an internal error. Please try again.</Message>
  <RequestId>656c76696e6727732072657175657374</RequestId>
  <HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId>
</Error>)");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  const S3Error* error = std::get_if<S3Error>(&*answer);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->code, "InternalError");
  EXPECT_EQ(error->message, "We encountered an internal error. Please try again.");
  EXPECT_EQ(error->request_id, "656c76696e6727732072657175657374");
}

TEST(ParseCopyObjectAnswerTest, BodyCutOffAfterKeepAliveIsRefused) {
  EXPECT_TRUE(InvalidWith(ParseCopyObjectAnswer("    <?xml version=\"1.0\"?>\n<CopyObj").status(),
                          {"after 4 bytes of leading whitespace", "at byte 30"}));
  EXPECT_TRUE(InvalidWith(ParseCopyObjectAnswer("   \n ").status(), {"expected the root element"}));
}

TEST(ParseCopyObjectAnswerTest, AnswerOfAnotherCallIsRefused) {
  EXPECT_TRUE(
      InvalidWith(ParseCopyObjectAnswer("<CopyPartResult><ETag>x</ETag></CopyPartResult>").status(),
                  {"expected <CopyObjectResult>, found <CopyPartResult>"}));
}

TEST(ParseUploadPartCopyAnswerTest, ReadsTheResult) {
  Result<OrS3Error<CopyResult>> answer = ParseUploadPartCopyAnswer(
      "<CopyPartResult><LastModified>2011-04-11T20:34:56.000Z</LastModified>"
      "<ETag>\"9b2cf535f27731c974343645a3985328\"</ETag></CopyPartResult>");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_TRUE(std::holds_alternative<CopyResult>(*answer));
  EXPECT_EQ(std::get<CopyResult>(*answer).etag, "9b2cf535f27731c974343645a3985328");
}

TEST(ParseUploadPartCopyAnswerTest, ErrorInA200AnswerIsTheS3ErrorAlternative) {
  Result<OrS3Error<CopyResult>> answer = ParseUploadPartCopyAnswer(
      "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_TRUE(std::holds_alternative<S3Error>(*answer));
  EXPECT_EQ(std::get<S3Error>(*answer).code, "SlowDown");
}

TEST(ParseInitiateMultipartUploadTest, ReadsTheUploadId) {
  Result<std::string> upload_id =
      ParseInitiateMultipartUpload(R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
</InitiateMultipartUploadResult>)");
  ASSERT_TRUE(upload_id.ok()) << upload_id.status().ToString();
  EXPECT_EQ(*upload_id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
}

TEST(ParseInitiateMultipartUploadTest, EmptyUploadIdIsRefused) {
  EXPECT_TRUE(
      InvalidWith(ParseInitiateMultipartUpload(
                      "<InitiateMultipartUploadResult><UploadId/></InitiateMultipartUploadResult>")
                      .status(),
                  {"UploadId is empty"}));
}

TEST(ParseCompleteMultipartUploadAnswerTest, ReadsTheResult) {
  Result<OrS3Error<CompleteMultipartUploadResult>> answer =
      ParseCompleteMultipartUploadAnswer(R"(<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Location>https://example-bucket.s3.eu-west-1.amazonaws.com/example-object</Location>
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag>
</CompleteMultipartUploadResult>)");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  const auto* result = std::get_if<CompleteMultipartUploadResult>(&*answer);
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->location, "https://example-bucket.s3.eu-west-1.amazonaws.com/example-object");
  EXPECT_EQ(result->etag, "3858f62230ac3c915f300c664312c11f-9");
}

TEST(ParseCompleteMultipartUploadAnswerTest, ErrorInA200AnswerIsTheS3ErrorAlternative) {
  Result<OrS3Error<CompleteMultipartUploadResult>> answer = ParseCompleteMultipartUploadAnswer(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n     \n<Error><Code>InvalidPart</Code>"
      "<Message>One or more of the specified parts could not be found.</Message></Error>");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_TRUE(std::holds_alternative<S3Error>(*answer));
  EXPECT_EQ(std::get<S3Error>(*answer).code, "InvalidPart");
}

TEST(ParseGetObjectTaggingTest, ReadsTagsInOrder) {
  Result<std::vector<Tag>> tags = ParseGetObjectTagging(R"(<?xml version="1.0" encoding="UTF-8"?>
<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <TagSet>
    <Tag><Key>tag1</Key><Value>val1</Value></Tag>
    <Tag><Key>empty</Key><Value></Value></Tag>
  </TagSet>
</Tagging>)");
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0].key, "tag1");
  EXPECT_EQ((*tags)[0].value, "val1");
  EXPECT_EQ((*tags)[1].key, "empty");
  EXPECT_EQ((*tags)[1].value, "");
}

TEST(ParseGetObjectTaggingTest, EmptyTagSetHasNoTags) {
  Result<std::vector<Tag>> tags = ParseGetObjectTagging("<Tagging><TagSet/></Tagging>");
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_TRUE(tags->empty());
}

TEST(ParseGetObjectTaggingTest, TagWithoutValueIsRefused) {
  EXPECT_TRUE(InvalidWith(
      ParseGetObjectTagging("<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>").status(),
      {"Tagging/TagSet/Tag[0]: missing <Value>"}));
}

TEST(BuildDeleteObjectsBodyTest, WritesTheDeleteDocument) {
  const std::vector<std::string> keys = {"a.txt", "dir/b.txt"};
  Result<std::string> body = BuildDeleteObjectsBody(keys, /*quiet=*/true);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
            "<Object><Key>a.txt</Key></Object><Object><Key>dir/b.txt</Key></Object></Delete>");
  Result<std::string> loud = BuildDeleteObjectsBody(keys, /*quiet=*/false);
  ASSERT_TRUE(loud.ok());
  EXPECT_NE(loud->find("<Quiet>false</Quiet>"), std::string::npos);
}

TEST(BuildDeleteObjectsBodyTest, SpecialCharactersInKeysReadBackUnchanged) {
  const std::vector<std::string> keys = {
      "a&b",     "<tag>",       "say \"hi\"", "it's",       "line\nbreak",
      "cr\rkey", "crlf\r\nkey", "tab\tkey",   "  spaced  ", "caf\xC3\xA9/\xF0\x9F\x98\x80",
      "]]>",     "100%+x"};
  Result<std::string> body = BuildDeleteObjectsBody(keys, /*quiet=*/false);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  Result<XmlElement> root = ParseXml(*body);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->name, "Delete");
  std::vector<std::string> read_back;
  for (const XmlElement* object : root->Children("Object")) {
    read_back.emplace_back(object->ChildText("Key").value_or("<none>"));
  }
  EXPECT_EQ(read_back, keys);
}

TEST(BuildDeleteObjectsBodyTest, AcceptsTheMaximumNumberOfKeys) {
  const std::vector<std::string> keys(kMaxDeleteObjectsKeys, "k");
  EXPECT_TRUE(BuildDeleteObjectsBody(keys, true).ok());
}

TEST(BuildDeleteObjectsBodyTest, MoreThanTheMaximumIsRefused) {
  const std::vector<std::string> keys(kMaxDeleteObjectsKeys + 1, "k");
  EXPECT_TRUE(
      InvalidWith(BuildDeleteObjectsBody(keys, true).status(), {"at most 1000 keys, not 1001"}));
}

TEST(BuildDeleteObjectsBodyTest, NoKeysOrAnEmptyKeyIsRefused) {
  EXPECT_TRUE(InvalidWith(BuildDeleteObjectsBody({}, true).status(), {"at least one key"}));
  const std::vector<std::string> keys = {"a", ""};
  EXPECT_TRUE(InvalidWith(BuildDeleteObjectsBody(keys, true).status(), {"key 1 is empty"}));
}

TEST(BuildDeleteObjectsBodyTest, KeyXmlCannotCarryIsRefused) {
  const std::vector<std::string> keys = {"fine", "bell\x07"};
  EXPECT_TRUE(InvalidWith(BuildDeleteObjectsBody(keys, true).status(),
                          {"DeleteObjects key 1", "byte 4: U+0007 is not allowed"}));
}

TEST(BuildCompleteMultipartUploadBodyTest, WritesPartsWithQuotedETags) {
  const std::vector<CompletedPart> parts = {{1, "\"a54357aff0632cce46d942af68356b38\""},
                                            {2, "0c78aef83f66abc1fa1e8477f296d394"}};
  Result<std::string> body = BuildCompleteMultipartUploadBody(parts);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(
      *body,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Part><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag><PartNumber>1</PartNumber></Part>"
      "<Part><ETag>\"0c78aef83f66abc1fa1e8477f296d394\"</ETag><PartNumber>2</PartNumber></Part>"
      "</CompleteMultipartUpload>");
}

TEST(BuildCompleteMultipartUploadBodyTest, PartsOutOfOrderAreRefused) {
  const std::vector<CompletedPart> parts = {{2, "x"}, {1, "y"}};
  EXPECT_TRUE(InvalidWith(BuildCompleteMultipartUploadBody(parts).status(),
                          {"part 1 follows part 2", "strictly ascending"}));
  const std::vector<CompletedPart> repeated = {{1, "x"}, {1, "y"}};
  EXPECT_FALSE(BuildCompleteMultipartUploadBody(repeated).ok());
}

TEST(BuildCompleteMultipartUploadBodyTest, PartNumberOutOfRangeIsRefused) {
  const std::vector<CompletedPart> zero = {{0, "x"}};
  EXPECT_TRUE(InvalidWith(BuildCompleteMultipartUploadBody(zero).status(), {"from 1 to 10000"}));
  const std::vector<CompletedPart> above = {{10001, "x"}};
  EXPECT_TRUE(InvalidWith(BuildCompleteMultipartUploadBody(above).status(), {"from 1 to 10000"}));
}

TEST(BuildCompleteMultipartUploadBodyTest, NoPartsOrAnEmptyETagIsRefused) {
  EXPECT_TRUE(InvalidWith(BuildCompleteMultipartUploadBody({}).status(), {"at least one part"}));
  const std::vector<CompletedPart> parts = {{1, "\"\""}};
  EXPECT_TRUE(
      InvalidWith(BuildCompleteMultipartUploadBody(parts).status(), {"part 1 has no ETag"}));
}

TEST(BuildTaggingBodyTest, ReadsBackThroughTheTaggingParser) {
  const std::vector<Tag> tags = {{"project", "a&b <c>"}, {"owner's", "\"q\"\n"}, {"empty", ""}};
  Result<std::string> body = BuildTaggingBody(tags);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  Result<std::vector<Tag>> read_back = ParseGetObjectTagging(*body);
  ASSERT_TRUE(read_back.ok()) << read_back.status().ToString();
  ASSERT_EQ(read_back->size(), tags.size());
  for (size_t i = 0; i < tags.size(); ++i) {
    EXPECT_EQ((*read_back)[i].key, tags[i].key);
    EXPECT_EQ((*read_back)[i].value, tags[i].value);
  }
}

TEST(BuildTaggingBodyTest, NoTagsIsAnEmptyTagSet) {
  Result<std::string> body = BuildTaggingBody({});
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(
      *body,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet></TagSet></Tagging>");
}

TEST(BuildTaggingBodyTest, ValueXmlCannotCarryIsRefused) {
  const std::vector<Tag> tags = {{"k", "\x1b[31m"}};
  EXPECT_TRUE(InvalidWith(BuildTaggingBody(tags).status(), {"tag 0 value", "U+001B"}));
}

TEST(ParseS3TimeTest, ReadsS3sFormat) {
  Result<SystemTime> t = ParseS3Time("2009-10-12T17:50:30.000Z");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t,
            sys_days(std::chrono::year(2009) / 10 / 12) + hours(17) + minutes(50) + seconds(30));
}

TEST(ParseS3TimeTest, KeepsFractionsToTheNanosecond) {
  const SystemTime base = sys_days(std::chrono::year(2024) / 2 / 29) + hours(23) + minutes(59);
  EXPECT_EQ(*ParseS3Time("2024-02-29T23:59:00.5Z"), base + 500ms);
  EXPECT_EQ(*ParseS3Time("2024-02-29T23:59:00.123456789123Z"), base + 123456789ns);
}

TEST(ParseS3TimeTest, ReadsZoneOffsetsAndNoZoneAsUtc) {
  const SystemTime utc = sys_days(std::chrono::year(2009) / 10 / 28) + hours(22) + minutes(32);
  EXPECT_EQ(*ParseS3Time("2009-10-28T22:32:00"), utc);
  EXPECT_EQ(*ParseS3Time("2009-10-29T00:02:00+01:30"), utc);
  EXPECT_EQ(*ParseS3Time("2009-10-28T21:32:00-01:00"), utc);
}

TEST(ParseS3TimeTest, RefusesWhatIsNotATime) {
  for (std::string_view bad :
       {"", "2009-10-12", "2009-02-30T00:00:00Z", "2009-10-12T24:00:00Z", "2009-10-12 17:50:30Z",
        "2009-10-12T17:50:30.Z", "2009-10-12T17:50:30+0100", "2009-10-12T17:50:30ZZ",
        "20O9-10-12T17:50:30Z"}) {
    EXPECT_TRUE(InvalidWith(ParseS3Time(bad).status(), {"is not an ISO-8601 time"})) << bad;
  }
}

}  // namespace
}  // namespace runledger::store::s3
