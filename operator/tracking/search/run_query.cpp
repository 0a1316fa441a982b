#include "tracking/search/run_query.h"

#include <algorithm>

#include "tracking/search/clause_rules.h"
#include "tracking/search/filter_syntax.h"

namespace runledger::tracking::search {
namespace {

using Entity = RunQuery::Entity;
using Field = RunQuery::Field;

struct EntityName {
  std::string_view name;
  Entity entity;
};
constexpr EntityName kEntities[] = {
    {"metric", Entity::kMetric},
    {"metrics", Entity::kMetric},
    {"parameter", Entity::kParam},
    {"parameters", Entity::kParam},
    {"param", Entity::kParam},
    {"params", Entity::kParam},
    {"tag", Entity::kTag},
    {"tags", Entity::kTag},
    {"attribute", Entity::kAttribute},
    {"attributes", Entity::kAttribute},
    {"attr", Entity::kAttribute},
    {"run", Entity::kAttribute},
    {"dataset", Entity::kDataset},
    {"datasets", Entity::kDataset},
};

struct AttributeName {
  std::string_view name;
  Field field;
  bool numeric;
  bool filter_only;  // MLflow's "run name" aliases are not valid in order_by.
};
constexpr AttributeName kAttributes[] = {
    {"artifact_uri", Field::kArtifactUri, false, false},
    {"created", Field::kStartTime, true, false},
    {"Created", Field::kStartTime, true, false},
    {"end_time", Field::kEndTime, true, false},
    {"run_id", Field::kRunId, false, false},
    {"run_name", Field::kRunName, false, false},
    {"run name", Field::kRunName, false, true},
    {"Run name", Field::kRunName, false, true},
    {"Run Name", Field::kRunName, false, true},
    {"start_time", Field::kStartTime, true, false},
    {"status", Field::kStatus, false, false},
    {"user_id", Field::kUserId, false, false},
};

constexpr std::string_view kDatasetKeys[] = {"name", "digest", "context"};

Result<Entity> ResolveEntity(const Identifier& id) {
  if (id.entity.empty()) return Entity::kAttribute;
  for (const EntityName& e : kEntities) {
    if (e.name == id.entity) return e.entity;
  }
  return ErrorAt(id.entity_pos,
                 "invalid entity type '" + id.entity +
                     "'; valid values are metric, parameter, tag, attribute and dataset (or "
                     "metrics, params, param, parameters, tags, attributes, attr, run, datasets)");
}

std::string ValidAttributeKeys(bool for_order_by) {
  std::string out;
  for (const AttributeName& a : kAttributes) {
    if (for_order_by && a.filter_only) continue;
    if (!out.empty()) out += ", ";
    out += "'" + std::string(a.name) + "'";
  }
  return out;
}

Result<const AttributeName*> ResolveAttribute(const Identifier& id, bool for_order_by) {
  for (const AttributeName& a : kAttributes) {
    if (a.name == id.key && !(for_order_by && a.filter_only)) return &a;
  }
  return ErrorAt(id.key_pos, "invalid attribute key '" + id.key + "'" +
                                 (for_order_by ? " for order_by" : "") + "; valid keys are " +
                                 ValidAttributeKeys(for_order_by));
}

std::string Describe(Entity entity, const std::string& key) {
  switch (entity) {
    case Entity::kMetric: return "metric '" + key + "'";
    case Entity::kParam: return "param '" + key + "'";
    case Entity::kTag: return "tag '" + key + "'";
    case Entity::kAttribute: return "attribute '" + key + "'";
    case Entity::kDataset: return "dataset '" + key + "'";
  }
  return key;
}

std::string_view StringField(const RunRecord& run, Field field) {
  switch (field) {
    case Field::kRunId: return run.run_id;
    case Field::kRunName: return run.run_name;
    case Field::kStatus: return run.status;
    case Field::kUserId: return run.user_id;
    case Field::kArtifactUri: return run.artifact_uri;
    default: return {};  // Numeric fields are read by NumericField.
  }
}

// start_time is always present; end_time only once the run ended.
std::optional<double> NumericField(const RunRecord& run, Field field) {
  if (field == Field::kStartTime) return static_cast<double>(run.start_time_ms);
  if (run.end_time_ms) return static_cast<double>(*run.end_time_ms);
  return std::nullopt;
}

bool IsNumericField(Field field) { return field == Field::kStartTime || field == Field::kEndTime; }

}  // namespace

size_t RunQuery::SlotOf(const std::string& key) {
  const auto it = std::find(metric_keys_.begin(), metric_keys_.end(), key);
  if (it != metric_keys_.end()) return static_cast<size_t>(it - metric_keys_.begin());
  metric_keys_.push_back(key);
  return metric_keys_.size() - 1;
}

Result<RunQuery> RunQuery::Compile(std::string_view filter, std::span<const std::string> order_by) {
  RunQuery q;
  ASSIGN_OR_RETURN(std::vector<Clause> clauses, ParseFilter(filter));
  for (Clause& c : clauses) {
    ASSIGN_OR_RETURN(const Entity entity, ResolveEntity(c.id));
    Field field = Field::kNone;
    bool numeric = entity == Entity::kMetric;
    ComparatorSet allowed = numeric ? kNumericComparators : kStringComparators;
    if (entity == Entity::kAttribute) {
      ASSIGN_OR_RETURN(const AttributeName* attribute, ResolveAttribute(c.id, false));
      field = attribute->field;
      numeric = attribute->numeric;
      allowed = numeric ? kNumericComparators : kStringComparators | kListComparators;
    } else if (entity == Entity::kDataset) {
      if (std::find(std::begin(kDatasetKeys), std::end(kDatasetKeys), c.id.key) ==
          std::end(kDatasetKeys)) {
        return ErrorAt(c.id.key_pos, "invalid dataset key '" + c.id.key +
                                         "'; valid keys are 'name', 'digest', 'context'");
      }
      allowed = kStringComparators | kListComparators;
    }
    const std::string what = Describe(entity, c.id.key);
    RETURN_IF_ERROR(CheckComparator(allowed, c.op, c.op_pos, what));
    Predicate p{entity, field, c.id.key, 0, {}};
    if (entity == Entity::kMetric) p.slot = q.SlotOf(c.id.key);
    if (kListComparators.Has(c.op)) {
      if (entity == Entity::kAttribute && field != Field::kRunId) {
        return ErrorAt(c.op_pos,
                       "only the 'run_id' attribute supports IN and NOT IN with a list of quoted "
                       "strings, not " +
                           what);
      }
      p.test = ValueTest::List(c.op, std::move(c.value.list));
    } else {
      ASSIGN_OR_RETURN(p.test, CompileScalar(c, numeric, what));
    }
    q.predicates_.push_back(std::move(p));
  }

  bool by_start_time = false;
  for (size_t i = 0; i < order_by.size(); ++i) {
    Result<Term> term = [&]() -> Result<Term> {
      ASSIGN_OR_RETURN(const OrderTerm parsed, ParseOrderTerm(order_by[i]));
      ASSIGN_OR_RETURN(const Entity entity, ResolveEntity(parsed.id));
      if (entity == Entity::kDataset) {
        return ErrorAt(parsed.id.entity_pos, "runs cannot be ordered by a dataset");
      }
      Term t{entity, Field::kNone, parsed.id.key, 0, parsed.ascending};
      if (entity == Entity::kAttribute) {
        ASSIGN_OR_RETURN(const AttributeName* attribute, ResolveAttribute(parsed.id, true));
        t.field = attribute->field;
        t.key.clear();  // Aliases name one field: compare fields, not spellings.
      }
      for (const Term& seen : q.terms_) {
        if (seen.entity == t.entity && seen.field == t.field && seen.key == t.key) {
          return ErrorAt(parsed.id.entity_pos,
                         "order_by names " + std::string(parsed.id.spelling) + " twice");
        }
      }
      if (entity == Entity::kMetric) t.slot = q.SlotOf(t.key);
      return t;
    }();
    if (!term.ok()) {
      return term.status().WithContext("order_by[" + std::to_string(i) + "] '" + order_by[i] + "'");
    }
    by_start_time |= term->entity == Entity::kAttribute && term->field == Field::kStartTime;
    q.terms_.push_back(std::move(term).value());
  }
  // MLflow's tie-breakers: newest first, then by run id.
  if (!by_start_time) q.terms_.push_back({Entity::kAttribute, Field::kStartTime, "", 0, false});
  q.terms_.push_back({Entity::kAttribute, Field::kRunId, "", 0, true});
  return q;
}

bool RunQuery::Matches(const RunRecord& run, size_t row, const MetricLookup& metrics) const {
  for (const Predicate& p : predicates_) {
    switch (p.entity) {
      case Entity::kMetric: {
        const std::optional<double> v = metrics.Latest(row, p.slot, p.key);
        if (!v || !p.test.Test(*v)) return false;
        break;
      }
      case Entity::kParam:
      case Entity::kTag: {
        const auto& map = p.entity == Entity::kParam ? run.params : run.tags;
        const auto it = map.find(p.key);
        if (it == map.end() || !p.test.Test(std::string_view(it->second))) return false;
        break;
      }
      case Entity::kAttribute:
        if (IsNumericField(p.field)) {
          const std::optional<double> v = NumericField(run, p.field);
          if (!v || !p.test.Test(*v)) return false;
        } else if (!p.test.Test(StringField(run, p.field))) {
          return false;
        }
        break;
      case Entity::kDataset: return false;
    }
  }
  return true;
}

std::vector<SortColumn> RunQuery::Columns(std::span<const RunRecord* const> runs,
                                          const std::vector<size_t>& rows,
                                          const MetricLookup& metrics) const {
  std::vector<SortColumn> columns;
  columns.reserve(terms_.size());
  for (const Term& t : terms_) {
    SortColumn col;
    col.ascending = t.ascending;
    const bool numeric = t.entity == Entity::kMetric || IsNumericField(t.field);
    col.kind = numeric ? SortColumn::Kind::kNumber : SortColumn::Kind::kText;
    col.cells.reserve(rows.size());
    for (const size_t row : rows) {
      const RunRecord& run = *runs[row];
      SortCell cell;
      switch (t.entity) {
        case Entity::kMetric:
          if (const std::optional<double> v = metrics.Latest(row, t.slot, t.key)) {
            cell = SortCell::Number(*v);
          }
          break;
        case Entity::kParam:
        case Entity::kTag: {
          const auto& map = t.entity == Entity::kParam ? run.params : run.tags;
          if (const auto it = map.find(t.key); it != map.end()) cell = SortCell::Text(it->second);
          break;
        }
        case Entity::kAttribute:
          if (!numeric) {
            cell = SortCell::Text(StringField(run, t.field));
          } else if (const std::optional<double> v = NumericField(run, t.field)) {
            cell = SortCell::Number(*v);
          }
          break;
        case Entity::kDataset: break;  // Rejected by Compile.
      }
      col.cells.push_back(cell);
    }
    columns.push_back(std::move(col));
  }
  return columns;
}

}  // namespace runledger::tracking::search
