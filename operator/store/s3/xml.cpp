#include "store/s3/xml.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <utility>

namespace runledger::store::s3 {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// A code point and the length of its UTF-8 encoding; length 0 when the bytes
// are not UTF-8 (overlong forms, surrogates and values above U+10FFFF included).
struct Utf8Char {
  char32_t code_point = 0;
  size_t length = 0;
};

Utf8Char DecodeUtf8(std::string_view s, size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return {lead, 1};
  size_t length;
  char32_t code_point;
  char32_t smallest;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F, smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F, smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07, smallest = 0x10000;
  } else {
    return {};
  }
  if (s.size() - i < length) return {};
  for (size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return {};
    code_point = (code_point << 6) | (b & 0x3F);
  }
  if (code_point < smallest || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return {};
  }
  return {code_point, length};
}

// XML 1.0's Char production: what a document, or a reference, may hold.
bool IsXmlChar(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

std::string CodePointName(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

void AppendUtf8(std::string* out, char32_t c) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

struct BadChar {
  size_t offset;
  std::string what;
};

// The first byte of `text` that does not start an XML 1.0 character in UTF-8.
std::optional<BadChar> FindBadChar(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const Utf8Char c = DecodeUtf8(text, i);
    if (c.length == 0) return BadChar{i, "not valid UTF-8"};
    if (!IsXmlChar(c.code_point)) {
      return BadChar{i, CodePointName(c.code_point) + " is not allowed in XML 1.0"};
    }
    i += c.length;
  }
  return std::nullopt;
}

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

// XML's whitespace (S); narrower than IsAsciiSpace.
bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// Appends literal character data, turning "\r\n" and a lone "\r" into "\n"
// (XML's end-of-line handling) and, in attribute values, tab and line feed
// into a space (attribute-value normalization).
void AppendLiteral(std::string* out, std::string_view run, bool in_attribute) {
  for (size_t i = 0; i < run.size(); ++i) {
    char c = run[i];
    if (c == '\r') {
      if (i + 1 < run.size() && run[i + 1] == '\n') continue;
      c = '\n';
    }
    if (in_attribute && (c == '\n' || c == '\t')) c = ' ';
    out->push_back(c);
  }
}

// XML 1.x in UTF-8; standalone is only checked for form.
bool IsSupportedDeclarationValue(std::string_view field, std::string_view value) {
  if (field == "version") {
    return value.size() > 2 && value.starts_with("1.") &&
           std::all_of(value.begin() + 2, value.end(), [](char c) { return c >= '0' && c <= '9'; });
  }
  if (field == "encoding") return EqualsIgnoringAsciiCase(value, "UTF-8");
  return value == "yes" || value == "no";
}

class Parser {
 public:
  Parser(std::string_view document, const XmlLimits& limits) : doc_(document), limits_(limits) {}

  Result<XmlElement> Document() {
    if (doc_.size() > limits_.max_bytes) {
      return ErrorAt(limits_.max_bytes, "the document is " + std::to_string(doc_.size()) +
                                            " bytes, above the limit of " +
                                            std::to_string(limits_.max_bytes));
    }
    if (std::optional<BadChar> bad = FindBadChar(doc_)) return ErrorAt(bad->offset, bad->what);
    if (doc_.starts_with(kByteOrderMark)) pos_ = kByteOrderMark.size();
    if (StartsWith("<?xml") && pos_ + 5 < doc_.size() &&
        (IsXmlSpace(doc_[pos_ + 5]) || doc_[pos_ + 5] == '?')) {
      RETURN_IF_ERROR(Declaration());
    }
    RETURN_IF_ERROR(Misc());
    if (AtEnd() || doc_[pos_] != '<') return Expected("the root element");
    ASSIGN_OR_RETURN(XmlElement root, Element(1));
    RETURN_IF_ERROR(Misc());
    if (!AtEnd()) return Expected("the end of the document after the root element");
    return root;
  }

 private:
  bool AtEnd() const { return pos_ >= doc_.size(); }
  bool StartsWith(std::string_view s) const { return doc_.substr(pos_).starts_with(s); }
  void SkipSpace() {
    while (!AtEnd() && IsXmlSpace(doc_[pos_])) ++pos_;
  }

  Status ErrorAt(size_t offset, std::string_view what) const {
    return InvalidArgument("malformed XML at byte " + std::to_string(offset) + ": " +
                           std::string(what));
  }

  // What the document holds at the current position, for "expected X, found Y".
  std::string Found() const {
    if (AtEnd()) return "the end of the document";
    size_t n = std::min<size_t>(16, doc_.size() - pos_);
    // Never cut a character in two: the message must stay UTF-8.
    while (pos_ + n < doc_.size() && (static_cast<unsigned char>(doc_[pos_ + n]) & 0xC0) == 0x80) {
      --n;
    }
    std::string snippet(doc_.substr(pos_, n));
    std::replace_if(snippet.begin(), snippet.end(), IsXmlSpace, ' ');
    return "\"" + snippet + "\"";
  }

  Status Expected(std::string_view what) const {
    return ErrorAt(pos_, "expected " + std::string(what) + ", found " + Found());
  }

  Status Expect(std::string_view token, std::string_view what) {
    if (!StartsWith(token)) return Expected(what);
    pos_ += token.size();
    return Status::Ok();
  }

  Result<std::string_view> Name(std::string_view what) {
    if (AtEnd() || !IsNameStart(doc_[pos_])) return Expected(what);
    const size_t start = pos_;
    while (!AtEnd() && IsNameChar(doc_[pos_])) ++pos_;
    return doc_.substr(start, pos_ - start);
  }

  // Whitespace, comments and processing instructions around the root.
  Status Misc() {
    while (true) {
      SkipSpace();
      if (StartsWith("<!--")) {
        RETURN_IF_ERROR(Comment());
      } else if (StartsWith("<?")) {
        RETURN_IF_ERROR(ProcessingInstruction());
      } else if (StartsWith("<!DOCTYPE")) {
        return ErrorAt(pos_, "document type declarations (<!DOCTYPE) are not accepted");
      } else {
        return Status::Ok();
      }
    }
  }

  // <?xml version="1.x" encoding="UTF-8" standalone="yes"?>, the latter two optional.
  Status Declaration() {
    const size_t start = pos_;
    pos_ += 5;
    std::vector<XmlAttribute> fields;
    RETURN_IF_ERROR(Attributes(&fields));
    RETURN_IF_ERROR(Expect("?>", "\"?>\" ending the XML declaration"));
    if (fields.empty() || fields[0].name != "version") {
      return ErrorAt(start, "the XML declaration must begin with its version");
    }
    static constexpr std::string_view kOrder[] = {"version", "encoding", "standalone"};
    const std::string_view* next = std::begin(kOrder);
    for (const XmlAttribute& field : fields) {
      next = std::find(next, std::end(kOrder), field.name);
      if (next == std::end(kOrder)) {
        return ErrorAt(start, "\"" + field.name +
                                  "\" is out of place in the XML declaration (version, then "
                                  "optionally encoding and standalone)");
      }
      ++next;
      if (!IsSupportedDeclarationValue(field.name, field.value)) {
        return ErrorAt(start, "unsupported " + field.name + " \"" + field.value +
                                  "\" in the XML declaration (this reader takes XML 1.x in UTF-8)");
      }
    }
    return Status::Ok();
  }

  Status Comment() {
    const size_t start = pos_;
    const size_t dashes = doc_.find("--", pos_ + 4);
    if (dashes == std::string_view::npos) {
      pos_ = doc_.size();
      return Expected("\"-->\" closing the comment opened at byte " + std::to_string(start));
    }
    if (dashes + 2 >= doc_.size() || doc_[dashes + 2] != '>') {
      return ErrorAt(dashes,
                     "\"--\" inside a comment (opened at byte " + std::to_string(start) + ")");
    }
    pos_ = dashes + 3;
    return Status::Ok();
  }

  // <?target ...?>: skipped. The target "xml" is reserved for the declaration.
  Status ProcessingInstruction() {
    const size_t start = pos_;
    pos_ += 2;
    ASSIGN_OR_RETURN(std::string_view target, Name("a processing instruction's target"));
    if (EqualsIgnoringAsciiCase(target, "xml")) {
      return ErrorAt(start, "an XML declaration is allowed only at the start of the document");
    }
    if (!StartsWith("?>") && (AtEnd() || !IsXmlSpace(doc_[pos_]))) {
      return Expected("whitespace or \"?>\" after the processing instruction's target");
    }
    const size_t end = doc_.find("?>", pos_);
    if (end == std::string_view::npos) {
      pos_ = doc_.size();
      return Expected("\"?>\" closing the processing instruction opened at byte " +
                      std::to_string(start));
    }
    pos_ = end + 2;
    return Status::Ok();
  }

  Status CData(std::string* out) {
    const size_t start = pos_;
    pos_ += 9;  // <![CDATA[
    const size_t end = doc_.find("]]>", pos_);
    if (end == std::string_view::npos) {
      pos_ = doc_.size();
      return Expected("\"]]>\" closing the CDATA section opened at byte " + std::to_string(start));
    }
    AppendLiteral(out, doc_.substr(pos_, end - pos_), /*in_attribute=*/false);
    pos_ = end + 3;
    return Status::Ok();
  }

  // &name; or &#NN; or &#xHH;, appended to `out` decoded.
  Status Reference(std::string* out) {
    const size_t start = pos_++;
    const auto semicolon = [&] {
      if (!StartsWith(";")) {
        return Expected("';' ending the reference begun at byte " + std::to_string(start));
      }
      ++pos_;
      return Status::Ok();
    };
    if (!StartsWith("#")) {
      ASSIGN_OR_RETURN(std::string_view name, Name("an entity name or '#' after '&'"));
      RETURN_IF_ERROR(semicolon());
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
      for (const auto& [entity, c] : kEntities) {
        if (name == entity) {
          out->push_back(c);
          return Status::Ok();
        }
      }
      return ErrorAt(start, "unknown entity &" + std::string(name) +
                                "; (only &amp; &lt; &gt; &quot; &apos; and numeric references "
                                "are accepted)");
    }
    ++pos_;
    const bool hex = StartsWith("x");
    if (hex) ++pos_;
    const size_t digits_start = pos_;
    uint32_t value = 0;
    while (!AtEnd()) {
      const char c = doc_[pos_];
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (hex && c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (hex && c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        break;
      }
      // Past U+10FFFF the value is wrong whatever follows; stop it growing.
      value = std::min<uint32_t>(value * (hex ? 16 : 10) + digit, 0x110000);
      ++pos_;
    }
    if (pos_ == digits_start) {
      return Expected(hex ? "hex digits after \"&#x\"" : "digits after \"&#\"");
    }
    RETURN_IF_ERROR(semicolon());
    if (!IsXmlChar(value)) {
      return ErrorAt(start,
                     "the reference names " +
                         (value > 0x10FFFF ? std::string("no character") : CodePointName(value)) +
                         ", which XML 1.0 does not allow");
    }
    AppendUtf8(out, value);
    return Status::Ok();
  }

  // Zero or more ` name="value"` pairs; stops before anything else.
  Status Attributes(std::vector<XmlAttribute>* out) {
    while (true) {
      const size_t before = pos_;
      SkipSpace();
      if (AtEnd() || !IsNameStart(doc_[pos_])) return Status::Ok();
      if (pos_ == before) return Expected("whitespace before an attribute");
      const size_t name_at = pos_;
      ASSIGN_OR_RETURN(std::string_view name, Name("an attribute name"));
      SkipSpace();
      RETURN_IF_ERROR(Expect("=", "'=' after the attribute name"));
      SkipSpace();
      if (AtEnd() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) {
        return Expected("a quoted attribute value");
      }
      const char quote = doc_[pos_++];
      XmlAttribute attribute{std::string(name), ""};
      while (true) {
        if (AtEnd())
          return Expected(std::string("the closing ") + quote + " of the attribute value");
        const char c = doc_[pos_];
        if (c == quote) break;
        if (c == '<') return ErrorAt(pos_, "'<' inside an attribute value");
        if (c == '&') {
          RETURN_IF_ERROR(Reference(&attribute.value));
          continue;
        }
        const char stops[] = {quote, '<', '&', '\0'};
        const size_t end = std::min(doc_.find_first_of(stops, pos_), doc_.size());
        AppendLiteral(&attribute.value, doc_.substr(pos_, end - pos_), /*in_attribute=*/true);
        pos_ = end;
      }
      ++pos_;
      for (const XmlAttribute& seen : *out) {
        if (seen.name == attribute.name) {
          return ErrorAt(name_at, "attribute \"" + attribute.name + "\" appears twice");
        }
      }
      out->push_back(std::move(attribute));
    }
  }

  // The element whose '<' is at pos_, and everything up to its end tag.
  Result<XmlElement> Element(int depth) {
    XmlElement element;
    element.offset = pos_;
    if (depth > limits_.max_depth) {
      return ErrorAt(
          pos_, "elements nested deeper than the limit of " + std::to_string(limits_.max_depth));
    }
    ++pos_;
    ASSIGN_OR_RETURN(std::string_view qualified, Name("an element name after '<'"));
    element.name = std::string(qualified.substr(qualified.rfind(':') + 1));
    RETURN_IF_ERROR(Attributes(&element.attributes));
    if (StartsWith("/>")) {
      pos_ += 2;
      return element;
    }
    if (!StartsWith(">")) {
      return Expected("'>' or \"/>\" ending the start tag <" + std::string(qualified) + ">");
    }
    ++pos_;
    RETURN_IF_ERROR(Content(&element, qualified, depth));
    return element;
  }

  // Character data, children, comments and CDATA, then the end tag.
  Status Content(XmlElement* element, std::string_view qualified, int depth) {
    const auto unclosed = [&] {
      return Expected("</" + std::string(qualified) + "> closing the element opened at byte " +
                      std::to_string(element->offset));
    };
    while (true) {
      if (AtEnd()) return unclosed();
      if (doc_[pos_] == '&') {
        RETURN_IF_ERROR(Reference(&element->text));
      } else if (doc_[pos_] != '<') {
        const size_t end = std::min(doc_.find_first_of("<&", pos_), doc_.size());
        const std::string_view run = doc_.substr(pos_, end - pos_);
        if (const size_t bad = run.find("]]>"); bad != std::string_view::npos) {
          return ErrorAt(pos_ + bad, "\"]]>\" outside a CDATA section");
        }
        AppendLiteral(&element->text, run, /*in_attribute=*/false);
        pos_ = end;
      } else if (StartsWith("</")) {
        const size_t tag_at = pos_;
        pos_ += 2;
        ASSIGN_OR_RETURN(std::string_view name, Name("an element name after \"</\""));
        if (name != qualified) {
          pos_ = tag_at;
          return unclosed();
        }
        SkipSpace();
        if (!StartsWith(">"))
          return Expected("'>' ending the end tag </" + std::string(name) + ">");
        ++pos_;
        return Status::Ok();
      } else if (StartsWith("<!--")) {
        RETURN_IF_ERROR(Comment());
      } else if (StartsWith("<![CDATA[")) {
        RETURN_IF_ERROR(CData(&element->text));
      } else if (StartsWith("<?")) {
        RETURN_IF_ERROR(ProcessingInstruction());
      } else if (StartsWith("<!")) {
        return Expected("a comment or a CDATA section after \"<!\"");
      } else {
        ASSIGN_OR_RETURN(XmlElement child, Element(depth + 1));
        element->children.push_back(std::move(child));
      }
    }
  }

  std::string_view doc_;
  const XmlLimits& limits_;
  size_t pos_ = 0;
};

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::Children(std::string_view child_name) const {
  std::vector<const XmlElement*> found;
  for (const XmlElement& child : children) {
    if (child.name == child_name) found.push_back(&child);
  }
  return found;
}

std::optional<std::string_view> XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* child = Child(child_name);
  if (child == nullptr) return std::nullopt;
  return child->text;
}

const std::string* XmlElement::Attribute(std::string_view attribute_name) const {
  for (const XmlAttribute& attribute : attributes) {
    if (attribute.name == attribute_name) return &attribute.value;
  }
  return nullptr;
}

Result<XmlElement> ParseXml(std::string_view document, const XmlLimits& limits) {
  return Parser(document, limits).Document();
}

Status AppendEscapedXml(std::string* out, std::string_view text) {
  if (std::optional<BadChar> bad = FindBadChar(text)) {
    return InvalidArgument("cannot be written as XML: byte " + std::to_string(bad->offset) + ": " +
                           bad->what);
  }
  for (const char c : text) {
    switch (c) {
      case '&': out->append("&amp;"); break;
      case '<': out->append("&lt;"); break;
      case '>': out->append("&gt;"); break;
      case '"': out->append("&quot;"); break;
      case '\'': out->append("&apos;"); break;
      case '\t': out->append("&#9;"); break;
      case '\n': out->append("&#10;"); break;
      case '\r': out->append("&#13;"); break;
      default: out->push_back(c);
    }
  }
  return Status::Ok();
}

}  // namespace runledger::store::s3
