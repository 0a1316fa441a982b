#include "tracking/search/filter_syntax.h"

#include <charconv>
#include <cmath>

#include "base/strings.h"

namespace runledger::tracking::search {
namespace {

// Letters, digits, '_' and every byte of a UTF-8 sequence: what sqlparse
// (MLflow's tokenizer) takes as part of a name.
bool IsWordChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
         u >= 0x80;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

// A cursor over the text with the grammar's productions. Each Parse* skips
// leading blanks, and on failure returns a Status naming the position.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (i_ < text_.size() && IsAsciiSpace(text_[i_])) ++i_;
  }
  bool AtEnd() {
    SkipSpace();
    return i_ == text_.size();
  }
  size_t pos() const { return i_; }
  char Peek() const { return i_ < text_.size() ? text_[i_] : '\0'; }

  // The word (a maximal run of word characters) at the cursor, possibly empty.
  std::string_view PeekWord() const {
    size_t j = i_;
    while (j < text_.size() && IsWordChar(text_[j])) ++j;
    return text_.substr(i_, j - i_);
  }
  bool TakeKeyword(std::string_view keyword) {
    SkipSpace();
    if (!EqualsIgnoreCase(PeekWord(), keyword)) return false;
    i_ += keyword.size();
    return true;
  }

  // "'foo'" for what is at `pos` after any blanks (up to the next blank, at
  // most 24 bytes), or "the end of the text".
  std::string Found(size_t pos) const {
    while (pos < text_.size() && IsAsciiSpace(text_[pos])) ++pos;
    if (pos >= text_.size()) return "the end of the text";
    size_t j = pos;
    while (j < text_.size() && !IsAsciiSpace(text_[j]) && j - pos < 24) ++j;
    return "'" + std::string(text_.substr(pos, j - pos)) + "'";
  }
  Status Expected(std::string_view what) {
    SkipSpace();
    return ErrorAt(i_, "expected " + std::string(what) + ", got " + Found(i_));
  }

  // A quoted run starting at the cursor (which is on `quote`); a doubled
  // quote stands for one quote character, as in SQL.
  Result<std::string> ParseQuoted(char quote) {
    const size_t start = i_++;
    std::string out;
    while (i_ < text_.size()) {
      const char c = text_[i_++];
      if (c != quote) {
        out.push_back(c);
      } else if (Peek() == quote) {
        out.push_back(quote);
        ++i_;
      } else {
        return out;
      }
    }
    return ErrorAt(start, std::string("unterminated ") +
                              (quote == '`' ? "backquoted name" : "string") + " (no closing " +
                              quote + ")");
  }

  Result<Identifier> ParseIdentifier() {
    SkipSpace();
    Identifier id;
    const size_t start = i_;
    id.entity_pos = start;
    id.key_pos = start;
    std::string first;
    const char c = Peek();
    if (c == '`' || c == '"') {
      ASSIGN_OR_RETURN(first, ParseQuoted(c));
    } else if (IsWordChar(c)) {
      first = std::string(PeekWord());
      i_ += first.size();
    } else {
      return Expected(
          "an identifier such as metrics.loss, params.lr, tags.`mlflow.runName` or "
          "attributes.status");
    }
    if (Peek() == '.' && c != '"') {
      id.entity = std::move(first);
      ++i_;
      id.key_pos = i_;
      const char k = Peek();
      if (k == '`' || k == '"') {
        ASSIGN_OR_RETURN(id.key, ParseQuoted(k));
      } else {
        // A plain key runs over word characters and dots: metrics.a.b is key "a.b".
        const size_t key_start = i_;
        while (i_ < text_.size() && (IsWordChar(text_[i_]) || text_[i_] == '.')) ++i_;
        if (i_ == key_start) {
          return ErrorAt(i_, "expected a key after '" + id.entity +
                                 ".' (plain, `backquoted` or \"double-quoted\"), got " + Found(i_));
        }
        id.key = std::string(text_.substr(key_start, i_ - key_start));
      }
    } else {
      id.key = std::move(first);
    }
    id.spelling = text_.substr(start, i_ - start);
    return id;
  }

  Result<Comparator> ParseComparator() {
    SkipSpace();
    const char c = Peek();
    const char d = i_ + 1 < text_.size() ? text_[i_ + 1] : '\0';
    if (c == '=') return Take(1, Comparator::kEq);
    if (c == '!' && d == '=') return Take(2, Comparator::kNe);
    if (c == '<' && d == '>') return ErrorAt(i_, "comparator '<>' is not supported; use !=");
    if (c == '<') return d == '=' ? Take(2, Comparator::kLe) : Take(1, Comparator::kLt);
    if (c == '>') return d == '=' ? Take(2, Comparator::kGe) : Take(1, Comparator::kGt);
    if (TakeKeyword("LIKE")) return Comparator::kLike;
    if (TakeKeyword("ILIKE")) return Comparator::kILike;
    if (TakeKeyword("IN")) return Comparator::kIn;
    if (TakeKeyword("NOT")) {
      if (TakeKeyword("IN")) return Comparator::kNotIn;
      return Expected("IN after NOT");
    }
    return Expected("a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN)");
  }

  // -?(digits[.digits*] | .digits)([eE][+-]?digits)?, not followed by a word character.
  Result<Value> ParseNumber() {
    Value v;
    v.kind = Value::Kind::kNumber;
    v.pos = i_;
    size_t j = i_;
    if (j < text_.size() && text_[j] == '-') ++j;
    size_t digits = 0;
    while (j < text_.size() && IsDigit(text_[j])) ++j, ++digits;
    if (j < text_.size() && text_[j] == '.') {
      ++j;
      while (j < text_.size() && IsDigit(text_[j])) ++j, ++digits;
    }
    if (digits == 0) return Expected("a value (a quoted string or a number)");
    if (j < text_.size() && (text_[j] == 'e' || text_[j] == 'E')) {
      size_t k = j + 1;
      if (k < text_.size() && (text_[k] == '+' || text_[k] == '-')) ++k;
      if (k < text_.size() && IsDigit(text_[k])) {
        while (k < text_.size() && IsDigit(text_[k])) ++k;
        j = k;
      }
    }
    if (j < text_.size() && IsWordChar(text_[j])) {
      return ErrorAt(i_, "expected a number, got " + Found(i_));
    }
    v.text = std::string(text_.substr(i_, j - i_));
    const auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), v.number);
    if (ec != std::errc() || end != v.text.data() + v.text.size() || !std::isfinite(v.number)) {
      return ErrorAt(i_, "number " + v.text + " is out of range");
    }
    i_ = j;
    return v;
  }

  Result<Value> ParseScalar() {
    SkipSpace();
    const char c = Peek();
    if (c == '\'' || c == '"') {
      Value v;
      v.pos = i_;
      ASSIGN_OR_RETURN(v.text, ParseQuoted(c));
      return v;
    }
    if (c == '(') return ErrorAt(i_, "a list of values is only allowed after IN or NOT IN");
    if (c == '-' || c == '.' || IsDigit(c)) return ParseNumber();
    return Expected("a value (a quoted string or a number)");
  }

  Result<Value> ParseList() {
    SkipSpace();
    if (Peek() != '(') return Expected("'(' to open the list of quoted strings after IN");
    Value v;
    v.kind = Value::Kind::kList;
    v.pos = i_++;
    while (true) {
      SkipSpace();
      const char c = Peek();
      if (c != '\'' && c != '"') {
        return Expected(v.list.empty() ? "a non-empty list of quoted strings"
                                       : "a quoted string in the list");
      }
      ASSIGN_OR_RETURN(std::string item, ParseQuoted(c));
      v.list.push_back(std::move(item));
      SkipSpace();
      if (Peek() == ',') {
        ++i_;
      } else if (Peek() == ')') {
        ++i_;
        return v;
      } else {
        return Expected("',' or ')' in the list");
      }
    }
  }

  Result<Clause> ParseClause() {
    SkipSpace();
    if (Peek() == '(') {
      return ErrorAt(i_, "parentheses are not supported; join comparisons with AND");
    }
    Clause clause;
    ASSIGN_OR_RETURN(clause.id, ParseIdentifier());
    SkipSpace();
    clause.op_pos = i_;
    ASSIGN_OR_RETURN(clause.op, ParseComparator());
    if (clause.op == Comparator::kIn || clause.op == Comparator::kNotIn) {
      ASSIGN_OR_RETURN(clause.value, ParseList());
    } else {
      ASSIGN_OR_RETURN(clause.value, ParseScalar());
    }
    return clause;
  }

 private:
  Comparator Take(size_t n, Comparator op) {
    i_ += n;
    return op;
  }

  std::string_view text_;
  size_t i_ = 0;
};

}  // namespace

std::string_view ComparatorName(Comparator op) {
  switch (op) {
    case Comparator::kEq: return "=";
    case Comparator::kNe: return "!=";
    case Comparator::kLt: return "<";
    case Comparator::kLe: return "<=";
    case Comparator::kGt: return ">";
    case Comparator::kGe: return ">=";
    case Comparator::kLike: return "LIKE";
    case Comparator::kILike: return "ILIKE";
    case Comparator::kIn: return "IN";
    case Comparator::kNotIn: return "NOT IN";
  }
  return "?";
}

Status ErrorAt(size_t pos, std::string_view what) {
  return InvalidArgument("at character " + std::to_string(pos + 1) + ": " + std::string(what));
}

Result<std::vector<Clause>> ParseFilter(std::string_view filter) {
  Scanner s(filter);
  std::vector<Clause> clauses;
  if (s.AtEnd()) return clauses;
  while (true) {
    ASSIGN_OR_RETURN(Clause clause, s.ParseClause());
    clauses.push_back(std::move(clause));
    if (s.AtEnd()) return clauses;
    const size_t at = s.pos();
    if (s.TakeKeyword("AND")) {
      if (s.AtEnd())
        return ErrorAt(s.pos(), "expected a comparison after AND, got the end of the text");
      continue;
    }
    if (s.TakeKeyword("OR")) {
      return ErrorAt(at, "OR is not supported: MLflow filters join comparisons with AND only");
    }
    if (s.Peek() == ';') {
      return ErrorAt(at, "a filter is one expression; join comparisons with AND, not ';'");
    }
    return s.Expected("AND or the end of the filter");
  }
}

Result<OrderTerm> ParseOrderTerm(std::string_view clause) {
  Scanner s(clause);
  OrderTerm term;
  ASSIGN_OR_RETURN(term.id, s.ParseIdentifier());
  if (s.TakeKeyword("DESC")) {
    term.ascending = false;
  } else if (!s.TakeKeyword("ASC") && !s.AtEnd()) {
    return s.Expected("ASC, DESC or the end of the order_by clause");
  }
  if (!s.AtEnd()) return s.Expected("the end of the order_by clause");
  return term;
}

}  // namespace runledger::tracking::search
