#include "tracking/search/experiment_search.h"

#include <algorithm>

#include "tracking/search/clause_rules.h"
#include "tracking/search/filter_syntax.h"

namespace runledger::tracking::search {
namespace {

using Field = ExperimentQuery::Field;

struct AttributeName {
  std::string_view name;
  Field field;
  bool filterable;  // experiment_id may only be ordered by.
};
constexpr AttributeName kAttributes[] = {
    {"name", Field::kName, true},
    {"experiment_id", Field::kExperimentId, false},
    {"creation_time", Field::kCreationTime, true},
    {"last_update_time", Field::kLastUpdateTime, true},
};

bool IsNumeric(Field field) {
  return field == Field::kCreationTime || field == Field::kLastUpdateTime;
}

// Whether `id` names a tag (else an attribute); InvalidArgument for any
// other entity type.
Result<bool> IsTag(const Identifier& id) {
  if (id.entity.empty() || id.entity == "attribute" || id.entity == "attributes" ||
      id.entity == "attr") {
    return false;
  }
  if (id.entity == "tag" || id.entity == "tags") return true;
  return ErrorAt(id.entity_pos, "invalid entity type '" + id.entity +
                                    "' for experiments; valid values are attribute and tag (or "
                                    "attributes, attr, tags)");
}

Result<Field> ResolveAttribute(const Identifier& id, bool for_order_by) {
  std::string valid;
  for (const AttributeName& a : kAttributes) {
    if (!for_order_by && !a.filterable) continue;
    if (a.name == id.key) return a.field;
    valid += std::string(valid.empty() ? "" : ", ") + "'" + std::string(a.name) + "'";
  }
  return ErrorAt(id.key_pos, "invalid experiment attribute key '" + id.key + "'" +
                                 (for_order_by ? " for order_by" : "") + "; valid keys are " +
                                 valid);
}

double NumericField(const ExperimentRecord& e, Field field) {
  return static_cast<double>(field == Field::kCreationTime ? e.creation_time_ms
                                                           : e.last_update_time_ms);
}

std::string_view TextField(const ExperimentRecord& e, Field field) {
  return field == Field::kName ? std::string_view(e.name) : std::string_view(e.experiment_id);
}

}  // namespace

Result<ExperimentQuery> ExperimentQuery::Compile(std::string_view filter,
                                                 std::span<const std::string> order_by) {
  ExperimentQuery q;
  ASSIGN_OR_RETURN(const std::vector<Clause> clauses, ParseFilter(filter));
  for (const Clause& c : clauses) {
    ASSIGN_OR_RETURN(const bool tag, IsTag(c.id));
    Field field = Field::kTag;
    if (!tag) {
      ASSIGN_OR_RETURN(field, ResolveAttribute(c.id, false));
    }
    const bool numeric = IsNumeric(field);
    const std::string what = (tag ? "tag '" : "attribute '") + c.id.key + "'";
    if (kListComparators.Has(c.op)) {
      return ErrorAt(c.op_pos, "only the 'run_id' attribute of runs supports IN and NOT IN, not " +
                                   what + " of an experiment");
    }
    RETURN_IF_ERROR(
        CheckComparator(numeric ? kNumericComparators : kStringComparators, c.op, c.op_pos, what));
    ASSIGN_OR_RETURN(ValueTest test, CompileScalar(c, numeric, what));
    q.predicates_.push_back({field, tag ? c.id.key : std::string(), std::move(test)});
  }

  static const std::string kDefaultOrder[] = {"creation_time DESC", "experiment_id ASC"};
  const std::span<const std::string> terms = order_by.empty() ? kDefaultOrder : order_by;
  bool by_id = false;
  for (size_t i = 0; i < terms.size(); ++i) {
    Result<Term> term = [&]() -> Result<Term> {
      ASSIGN_OR_RETURN(const OrderTerm parsed, ParseOrderTerm(terms[i]));
      ASSIGN_OR_RETURN(const bool tag, IsTag(parsed.id));
      if (tag) return ErrorAt(parsed.id.entity_pos, "experiments cannot be ordered by a tag");
      ASSIGN_OR_RETURN(const Field field, ResolveAttribute(parsed.id, true));
      return Term{field, parsed.ascending};
    }();
    if (!term.ok()) {
      return term.status().WithContext("order_by[" + std::to_string(i) + "] '" + terms[i] + "'");
    }
    by_id |= term->field == Field::kExperimentId;
    q.terms_.push_back(*term);
  }
  if (!by_id) q.terms_.push_back({Field::kExperimentId, false});
  return q;
}

bool ExperimentQuery::Matches(const ExperimentRecord& e) const {
  for (const Predicate& p : predicates_) {
    if (p.field == Field::kTag) {
      const auto it = e.tags.find(p.tag);
      if (it == e.tags.end() || !p.test.Test(std::string_view(it->second))) return false;
    } else if (IsNumeric(p.field)) {
      if (!p.test.Test(NumericField(e, p.field))) return false;
    } else if (!p.test.Test(TextField(e, p.field))) {
      return false;
    }
  }
  return true;
}

std::vector<SortColumn> ExperimentQuery::Columns(
    std::span<const ExperimentRecord* const> experiments, const std::vector<size_t>& rows) const {
  std::vector<SortColumn> columns;
  for (const Term& t : terms_) {
    SortColumn col;
    col.ascending = t.ascending;
    col.kind = IsNumeric(t.field)                ? SortColumn::Kind::kNumber
               : t.field == Field::kExperimentId ? SortColumn::Kind::kId
                                                 : SortColumn::Kind::kText;
    col.cells.reserve(rows.size());
    for (const size_t row : rows) {
      const ExperimentRecord& e = *experiments[row];
      col.cells.push_back(IsNumeric(t.field) ? SortCell::Number(NumericField(e, t.field))
                                             : SortCell::Text(TextField(e, t.field)));
    }
    columns.push_back(std::move(col));
  }
  return columns;
}

Result<SearchPage> SearchExperiments(std::span<const ExperimentRecord* const> experiments,
                                     const ExperimentSearchRequest& request) {
  ASSIGN_OR_RETURN(const ExperimentQuery query,
                   ExperimentQuery::Compile(request.filter, request.order_by));
  ASSIGN_OR_RETURN(const PageWindow window, ResolvePageWindow(request.page));
  std::vector<size_t> matching;
  for (size_t row = 0; row < experiments.size(); ++row) {
    const ExperimentRecord& e = *experiments[row];
    if (InView(request.page.view, e.lifecycle_stage) && query.Matches(e)) matching.push_back(row);
  }
  const std::vector<SortColumn> columns = query.Columns(experiments, matching);
  return CutPage(SortedPositions(columns, matching.size(), PageEnd(window, matching.size())),
                 matching, window);
}

}  // namespace runledger::tracking::search
