#include "tracking/search/clause_rules.h"

namespace runledger::tracking::search {

std::string ComparatorSet::ToString() const {
  std::string out;
  for (unsigned i = 0; i <= static_cast<unsigned>(Comparator::kNotIn); ++i) {
    const auto op = static_cast<Comparator>(i);
    if (!Has(op)) continue;
    if (!out.empty()) out += ", ";
    out += ComparatorName(op);
  }
  return out;
}

Status CheckComparator(ComparatorSet allowed, Comparator op, size_t op_pos, std::string_view what) {
  if (allowed.Has(op)) return Status::Ok();
  return ErrorAt(op_pos, "comparator '" + std::string(ComparatorName(op)) + "' is not valid for " +
                             std::string(what) + "; use one of " + allowed.ToString());
}

Result<ValueTest> CompileScalar(const Clause& clause, bool numeric, std::string_view what) {
  const Value& v = clause.value;
  if (numeric) {
    if (v.kind != Value::Kind::kNumber) {
      return ErrorAt(v.pos, "expected a number for " + std::string(what) + ", got the string '" +
                                v.text + "'");
    }
    return ValueTest::Number(clause.op, v.number);
  }
  if (v.kind != Value::Kind::kString) {
    return ErrorAt(v.pos, "expected a quoted string for " + std::string(what) +
                              " (e.g. 'my-value'), got " + v.text);
  }
  return ValueTest::String(clause.op, v.text, v.pos);
}

}  // namespace runledger::tracking::search
