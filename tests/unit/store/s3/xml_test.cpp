#include "store/s3/xml.h"

#include <gtest/gtest.h>

#include <string>

namespace runledger::store::s3 {
namespace {

// Success when `status` is InvalidArgument naming byte `offset` and, if given,
// containing `words`.
::testing::AssertionResult FailsAt(const Status& status, size_t offset,
                                   std::string_view words = "") {
  const std::string at = "at byte " + std::to_string(offset) + ":";
  if (status.code() == Code::kInvalidArgument && status.message().find(at) != std::string::npos &&
      status.message().find(words) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "wanted InvalidArgument \"" << at << " ..." << words
                                       << "...\", got " << status.ToString();
}

std::string TextOf(std::string_view document) {
  Result<XmlElement> root = ParseXml(document);
  EXPECT_TRUE(root.ok()) << root.status().ToString();
  return root.ok() ? root->text : "";
}

TEST(ParseXmlTest, ReadsTreeTextAndAttributes) {
  Result<XmlElement> root = ParseXml(
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
      "  <Name>bucket</Name>\n"
      "  <Contents><Key>a</Key></Contents>\n"
      "  <Contents><Key>b</Key></Contents>\n"
      "</ListBucketResult>");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->name, "ListBucketResult");
  ASSERT_NE(root->Attribute("xmlns"), nullptr);
  EXPECT_EQ(*root->Attribute("xmlns"), "http://s3.amazonaws.com/doc/2006-03-01/");
  EXPECT_EQ(root->ChildText("Name"), "bucket");
  const std::vector<const XmlElement*> contents = root->Children("Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(contents[1]->ChildText("Key"), "b");
  EXPECT_EQ(contents[1]->offset, 127u);
}

TEST(ParseXmlTest, AbsentChildAndAttributeAreNullOrNullopt) {
  Result<XmlElement> root = ParseXml("<a><b/></a>");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->Child("c"), nullptr);
  EXPECT_TRUE(root->Children("c").empty());
  EXPECT_EQ(root->ChildText("c"), std::nullopt);
  EXPECT_EQ(root->ChildText("b"), "");  // Present but empty is not absent.
  EXPECT_EQ(root->Attribute("id"), nullptr);
}

TEST(ParseXmlTest, PrefixedElementKeepsItsLocalName) {
  Result<XmlElement> root =
      ParseXml("<s3:Error xmlns:s3=\"urn:x\"><s3:Code>X</s3:Code></s3:Error>");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->name, "Error");
  EXPECT_EQ(root->ChildText("Code"), "X");
}

TEST(ParseXmlTest, DecodesThePredefinedEntities) {
  EXPECT_EQ(TextOf("<k>&amp;&lt;&gt;&quot;&apos;</k>"), "&<>\"'");
}

TEST(ParseXmlTest, DecodesCharacterReferencesToUtf8) {
  EXPECT_EQ(TextOf("<k>&#65;&#x42;&#xe9;&#x20AC;&#128512;</k>"),
            "AB\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(ParseXmlTest, ReadsCdataVerbatim) {
  EXPECT_EQ(TextOf("<k>a<![CDATA[<b>&amp;]]>c</k>"), "a<b>&amp;c");
}

TEST(ParseXmlTest, SkipsCommentsAndProcessingInstructions) {
  Result<XmlElement> root =
      ParseXml("<!-- before --><?pi x?><a>x<!-- inside -->y<?pi?><b/></a><!-- after -->\n");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->text, "xy");
  EXPECT_EQ(root->children.size(), 1u);
}

TEST(ParseXmlTest, AcceptsTheDeclarationAfterAByteOrderMark) {
  EXPECT_EQ(
      TextOf("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\" standalone='yes'?>\n<a>x</a>"),
      "x");
}

TEST(ParseXmlTest, LineEndsBecomeLineFeedsButReferencedCarriageReturnsStay) {
  EXPECT_EQ(TextOf("<k>a\r\nb\rc&#13;&#10;d</k>"), "a\nb\nc\r\nd");
}

TEST(ParseXmlTest, AttributeWhitespaceBecomesSpaces) {
  Result<XmlElement> root = ParseXml("<a v='x\ty\r\nz&#10;' w = \"&lt;\"/>");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(*root->Attribute("v"), "x y z\n");
  EXPECT_EQ(*root->Attribute("w"), "<");
}

TEST(ParseXmlTest, KeepsSurroundingSpacesOfText) {
  EXPECT_EQ(TextOf("<Key>  two spaces  </Key>"), "  two spaces  ");
}

TEST(ParseXmlTest, MismatchedEndTagNamesWhatWasExpected) {
  EXPECT_TRUE(FailsAt(ParseXml("<a><b>x</c></a>").status(), 7, "expected </b>"));
}

TEST(ParseXmlTest, UnknownEntityIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a>x&nbsp;</a>").status(), 4, "unknown entity &nbsp;"));
}

TEST(ParseXmlTest, ReferenceWithoutSemicolonIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a>&amp </a>").status(), 7, "';'"));
}

TEST(ParseXmlTest, ReferenceToACharacterXmlForbidsIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a>&#0;</a>").status(), 3, "U+0000"));
  EXPECT_TRUE(FailsAt(ParseXml("<a>&#xD800;</a>").status(), 3, "U+D800"));
  EXPECT_TRUE(FailsAt(ParseXml("<a>&#x110000;</a>").status(), 3, "no character"));
  EXPECT_TRUE(FailsAt(ParseXml("<a>&#99999999999999999999;</a>").status(), 3, "no character"));
}

TEST(ParseXmlTest, TruncatedDocumentIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a><b>x</b>").status(), 11,
                      "expected </a> closing the element opened at byte 0, found the end"));
}

TEST(ParseXmlTest, TruncatedStartTagIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a><b x=\"1").status(), 10, "found the end of the document"));
}

TEST(ParseXmlTest, UnclosedCdataAndCommentAreRefused) {
  EXPECT_TRUE(
      FailsAt(ParseXml("<a><![CDATA[x</a>").status(), 17, "CDATA section opened at byte 3"));
  EXPECT_TRUE(FailsAt(ParseXml("<a><!-- x </a>").status(), 14, "comment opened at byte 3"));
}

TEST(ParseXmlTest, EmptyDocumentIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("").status(), 0, "expected the root element"));
  EXPECT_TRUE(FailsAt(ParseXml("  \n").status(), 3, "expected the root element"));
}

TEST(ParseXmlTest, NestingAtTheDepthLimitIsAccepted) {
  std::string doc;
  for (int i = 0; i < 64; ++i) doc += "<a>";
  for (int i = 0; i < 64; ++i) doc += "</a>";
  EXPECT_TRUE(ParseXml(doc).ok());
}

TEST(ParseXmlTest, NestingAboveTheDepthLimitIsRefused) {
  std::string doc;
  for (int i = 0; i < 65; ++i) doc += "<a>";
  for (int i = 0; i < 65; ++i) doc += "</a>";
  EXPECT_TRUE(FailsAt(ParseXml(doc).status(), 64 * 3, "deeper than the limit of 64"));
  EXPECT_TRUE(ParseXml(doc, XmlLimits{.max_depth = 65}).ok());
}

TEST(ParseXmlTest, DocumentAboveTheSizeLimitIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a>12345</a>", XmlLimits{.max_bytes = 11}).status(), 11,
                      "12 bytes, above the limit of 11"));
  EXPECT_TRUE(ParseXml("<a>12345</a>", XmlLimits{.max_bytes = 12}).ok());
}

TEST(ParseXmlTest, DoctypeIsRefusedSoEntitiesCannotExpand) {
  EXPECT_TRUE(FailsAt(
      ParseXml("<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY x \"xx\">]><a>&x;</a>").status(), 22,
      "<!DOCTYPE"));
}

TEST(ParseXmlTest, MarkupDeclarationInsideAnElementIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a><!ENTITY x \"y\"></a>").status(), 3, "a comment or a CDATA"));
}

TEST(ParseXmlTest, TextAfterTheRootIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a/>x").status(), 4, "the end of the document after the root"));
  EXPECT_TRUE(FailsAt(ParseXml("<a/><b/>").status(), 4, "the end of the document after the root"));
}

TEST(ParseXmlTest, TextBeforeTheRootIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("x<a/>").status(), 0, "expected the root element"));
}

TEST(ParseXmlTest, BytesThatAreNotUtf8AreRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a>\xC3\x28</a>").status(), 3, "not valid UTF-8"));
  EXPECT_TRUE(FailsAt(ParseXml("<a>\xC0\xAF</a>").status(), 3, "not valid UTF-8"));  // Overlong.
  EXPECT_TRUE(
      FailsAt(ParseXml("<a>\xED\xA0\x80</a>").status(), 3, "not valid UTF-8"));  // Surrogate.
  EXPECT_TRUE(FailsAt(ParseXml("<a>\xE2\x82").status(), 3, "not valid UTF-8"));  // Cut short.
}

TEST(ParseXmlTest, ControlCharactersAreRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a>x\x01</a>").status(), 4, "U+0001 is not allowed"));
  EXPECT_TRUE(FailsAt(ParseXml(std::string("<a>\0</a>", 8)).status(), 3, "U+0000"));
  EXPECT_TRUE(FailsAt(ParseXml("<a>\xEF\xBF\xBE</a>").status(), 3, "U+FFFE"));
}

TEST(ParseXmlTest, DeclarationAnywhereButTheStartIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml(" <?xml version=\"1.0\"?><a/>").status(), 1, "only at the start"));
}

TEST(ParseXmlTest, DeclarationMustBeWellFormed) {
  EXPECT_TRUE(
      FailsAt(ParseXml("<?xml encoding=\"UTF-8\"?><a/>").status(), 0, "begin with its version"));
  EXPECT_TRUE(
      FailsAt(ParseXml("<?xml version=\"1.0\" standalone=\"no\" encoding=\"UTF-8\"?><a/>").status(),
              0, "\"encoding\" is out of place"));
  EXPECT_TRUE(FailsAt(ParseXml("<?xml version=\"1.0\" standalone=\"maybe\"?><a/>").status(), 0,
                      "unsupported standalone"));
  EXPECT_TRUE(FailsAt(ParseXml("<?xml version=\"2.0\"?><a/>").status(), 0, "version"));
  EXPECT_TRUE(FailsAt(ParseXml("<?xml version=\"1.0\"><a/>").status(), 19, "\"?>\""));
}

TEST(ParseXmlTest, EncodingOtherThanUtf8IsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>").status(), 0,
                      "unsupported encoding \"ISO-8859-1\""));
}

TEST(ParseXmlTest, DuplicateAttributeIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a x=\"1\" x=\"2\"/>").status(), 9, "appears twice"));
}

TEST(ParseXmlTest, MalformedAttributesAreRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a x=1/>").status(), 5, "a quoted attribute value"));
  EXPECT_TRUE(FailsAt(ParseXml("<a x=\"<\"/>").status(), 6, "'<' inside an attribute value"));
  EXPECT_TRUE(FailsAt(ParseXml("<a x=\"1\"y=\"2\"/>").status(), 8, "whitespace before"));
}

TEST(ParseXmlTest, DoubleDashInsideACommentIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a><!-- a -- b --></a>").status(), 10, "\"--\" inside"));
}

TEST(ParseXmlTest, CdataEndOutsideCdataIsRefused) {
  EXPECT_TRUE(FailsAt(ParseXml("<a>x]]>y</a>").status(), 4, "\"]]>\" outside"));
}

TEST(ParseXmlTest, ErrorSnippetStaysOnOneLine) {
  const Status status = ParseXml("<a>\n</b\n>").status();
  EXPECT_TRUE(FailsAt(status, 4, "found \"</b >\""));
}

TEST(AppendEscapedXmlTest, EscapesMarkupAndWhitespaceReadersWouldAlter) {
  std::string out = "<k>";
  ASSERT_TRUE(AppendEscapedXml(&out, "a&b<c>d\"e'f\tg\nh\ri").ok());
  EXPECT_EQ(out, "<k>a&amp;b&lt;c&gt;d&quot;e&apos;f&#9;g&#10;h&#13;i");
}

TEST(AppendEscapedXmlTest, EscapedTextReadsBackUnchanged) {
  const std::string text = "  a&b<c>]]>\"q\" it's\t\r\n\r caf\xC3\xA9 \xF0\x9F\x98\x80 ";
  std::string doc = "<k a=\"";
  ASSERT_TRUE(AppendEscapedXml(&doc, text).ok());
  doc += "\">";
  ASSERT_TRUE(AppendEscapedXml(&doc, text).ok());
  doc += "</k>";
  Result<XmlElement> root = ParseXml(doc);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->text, text);
  EXPECT_EQ(*root->Attribute("a"), text);
}

TEST(AppendEscapedXmlTest, RefusesCharactersXmlCannotCarry) {
  std::string out;
  const Status control = AppendEscapedXml(&out, "ab\x1f");
  EXPECT_EQ(control.code(), Code::kInvalidArgument);
  EXPECT_NE(control.message().find("byte 2: U+001F is not allowed"), std::string::npos)
      << control.message();
  const Status not_utf8 = AppendEscapedXml(&out, "\xFF");
  EXPECT_NE(not_utf8.message().find("byte 0: not valid UTF-8"), std::string::npos)
      << not_utf8.message();
}

}  // namespace
}  // namespace runledger::store::s3
