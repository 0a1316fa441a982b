#include "base/encoding.h"

#include <gtest/gtest.h>

namespace runledger {
namespace {

TEST(HexEncodeTest, TwoLowercaseDigitsPerByte) {
  EXPECT_EQ(HexEncode(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
  EXPECT_EQ(HexEncode(""), "");
}

// RFC 4648's test vectors, section 10.
TEST(EncodeBase64Test, PadsTheLastGroup) {
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64("foob"), "Zm9vYg==");
  EXPECT_EQ(EncodeBase64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(EncodeBase64("foobar"), "Zm9vYmFy");
}

TEST(EncodeBase64Test, DecodeBase64ReadsBackEveryByteValue) {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  for (size_t length = 0; length <= 3; ++length) {
    const std::string input = bytes.substr(0, bytes.size() - length);
    EXPECT_EQ(*DecodeBase64(EncodeBase64(input)), input);
  }
  EXPECT_EQ(EncodeBase64(std::string("\x00\x01\x02\xfd\xfe\xff", 6)), "AAEC/f7/");
}

TEST(DecodeBase64Test, DecodesPaddedAndUnpadded) {
  EXPECT_EQ(*DecodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(*DecodeBase64("aGVsbG8"), "hello");
  EXPECT_EQ(*DecodeBase64("aGk="), "hi");
  EXPECT_EQ(*DecodeBase64(""), "");
}

TEST(DecodeBase64Test, IgnoresWhitespaceAsInWrappedPem) {
  EXPECT_EQ(*DecodeBase64("aGVs\nbG8=\n"), "hello");
}

TEST(DecodeBase64Test, DecodesEveryByteValue) {
  // "AAEC/f7/" is 00 01 02 fd fe ff.
  EXPECT_EQ(*DecodeBase64("AAEC/f7/"), std::string("\x00\x01\x02\xfd\xfe\xff", 6));
}

TEST(DecodeBase64Test, RejectsPaddingInTheMiddle) {
  EXPECT_EQ(DecodeBase64("aGV=sbG8").status().code(), Code::kInvalidArgument);
}

TEST(DecodeBase64Test, RejectsCharactersOutsideTheAlphabet) {
  EXPECT_FALSE(DecodeBase64("not*base64").ok());
  EXPECT_FALSE(DecodeBase64("aGVsbG8_").ok());  // base64url's digit.
}

TEST(DecodeBase64Test, RejectsLengthsNoEncoderProduces) {
  EXPECT_FALSE(DecodeBase64("aGVsb").ok());   // 5 digits: the 5th holds no byte.
  EXPECT_FALSE(DecodeBase64("aGk===").ok());  // Too much padding.
  EXPECT_FALSE(DecodeBase64("aG=").ok());     // Padding that fills no group.
}

}  // namespace
}  // namespace runledger
