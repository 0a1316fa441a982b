// A small, strict XML 1.0 reader and text escaper: enough for the answers S3
// sends and the bodies we send it, and nothing an attacker could inflate.
//
// ParseXml reads a whole UTF-8 document into a tree of XmlElement. It accepts
// the XML declaration, comments, processing instructions (skipped), CDATA,
// the five predefined entities and numeric character references, and turns
// line ends into "\n" as XML requires. It refuses, with InvalidArgument whose
// message names the byte offset and what was expected there:
//   - any document type declaration (<!DOCTYPE ...>): S3 never sends one, and
//     refusing it rules out entity-expansion attacks;
//   - any other entity (e.g. &nbsp;), mismatched or unclosed tags, a
//     truncated document, text outside the root element;
//   - bytes that are not UTF-8 or not XML 1.0 characters, and an encoding
//     declaration other than UTF-8;
//   - a document above XmlLimits::max_bytes or elements nested deeper than
//     XmlLimits::max_depth.
// Namespaces are not interpreted: an element keeps its local name (the part
// after the last ':'), and xmlns attributes are ordinary attributes. Element
// and attribute names are checked loosely: ASCII letters, digits, '_', ':',
// '-', '.', and any non-ASCII character.
//
// Pure functions; the tree owns its strings. Thread-safety: an XmlElement is
// a plain value.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runledger::store::s3 {

struct XmlAttribute {
  std::string name;   // As written, prefix included (e.g. "xmlns", "xml:lang").
  std::string value;  // References decoded, whitespace normalized as XML says.
};

struct XmlElement {
  std::string name;  // Local name: "Key" for both <Key> and <s3:Key>.
  std::vector<XmlAttribute> attributes;
  // All character data directly inside this element (text and CDATA, in
  // document order, with references decoded), including the whitespace
  // between child elements. Never trimmed: S3 keys may begin or end in spaces.
  std::string text;
  std::vector<XmlElement> children;
  size_t offset = 0;  // Byte offset of the element's '<', for error messages.

  // The first child named `name`, or nullptr.
  const XmlElement* Child(std::string_view name) const;
  // Every child named `name`, in document order; pointers into `children`.
  std::vector<const XmlElement*> Children(std::string_view name) const;
  // The text of the first child named `name`, or nullopt when there is none.
  std::optional<std::string_view> ChildText(std::string_view name) const;
  // The value of the attribute named exactly `name`, or nullptr.
  const std::string* Attribute(std::string_view name) const;
};

struct XmlLimits {
  // A ListObjectsV2 page of 1000 url-encoded 1024-byte keys stays well below.
  size_t max_bytes = size_t{8} << 20;
  int max_depth = 64;  // The root element is at depth 1.
};

// Parses `document` (UTF-8, an optional byte order mark first) into its root
// element. Errors: InvalidArgument as described above.
Result<XmlElement> ParseXml(std::string_view document, const XmlLimits& limits = {});

// Appends `text` to `out` escaped for element content or an attribute value:
// & < > " ' become entities, and tab, line feed and carriage return become
// numeric references so that no reader's whitespace normalization alters them
// (S3's key-naming guide asks for &#13; and &#10;). InvalidArgument, naming
// the byte offset in `text`, when `text` is not UTF-8 or holds a character
// XML 1.0 cannot carry (most C0 controls, U+FFFE, U+FFFF); `out` is then
// unspecified.
Status AppendEscapedXml(std::string* out, std::string_view text);

}  // namespace runledger::store::s3
