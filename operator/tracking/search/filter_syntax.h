// The syntax of MLflow's search filters and order_by clauses, without their
// meaning: text in, comparisons and order terms out (docs/mlflow-search.md).
//
// A filter is comparisons joined by AND:
//   metrics.loss < 0.5 AND tags.`mlflow.parentRunId` = 'abc'
//   attributes.run_id IN ('a', 'b')
// An order_by clause is one identifier and an optional ASC or DESC:
//   metrics.`val loss` DESC
// Which entity types, keys, comparators and value types go together is the
// business of run_query.h and experiment_search.h; this layer only checks the
// shape, so both share one parser and one set of position-naming messages.
//
// Errors: InvalidArgument whose message begins "at character N: " (N counts
// from 1) and says what was expected and what was found.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runledger::tracking::search {

enum class Comparator : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kLike, kILike, kIn, kNotIn };

// "=", "!=", ..., "LIKE", "NOT IN".
std::string_view ComparatorName(Comparator op);

// `<entity>.<key>`, or a bare `<key>` (MLflow reads that as an attribute).
struct Identifier {
  std::string entity;     // As written, backquotes removed; empty for a bare key.
  std::string key;        // Backquotes or double quotes removed.
  size_t entity_pos = 0;  // 0-based offsets into the parsed text.
  size_t key_pos = 0;
  // The identifier as written, for messages: a view into the parsed text.
  std::string_view spelling;
};

struct Value {
  enum class Kind : uint8_t { kNumber, kString, kList };
  Kind kind = Kind::kString;
  double number = 0;              // kNumber.
  std::string text;               // kString: unquoted; kNumber: as written.
  std::vector<std::string> list;  // kList (after IN / NOT IN): unquoted, at least one.
  size_t pos = 0;
};

struct Clause {
  Identifier id;
  Comparator op = Comparator::kEq;
  size_t op_pos = 0;
  Value value;
};

// Parses a whole filter. An empty or all-blank filter is no clauses.
Result<std::vector<Clause>> ParseFilter(std::string_view filter);

struct OrderTerm {
  Identifier id;
  bool ascending = true;  // ASC unless DESC is given (case-insensitive).
};

// Parses one order_by clause such as "metrics.loss DESC".
Result<OrderTerm> ParseOrderTerm(std::string_view clause);

// InvalidArgument("at character <pos+1>: <what>"), for errors a caller finds
// in a parsed clause.
Status ErrorAt(size_t pos, std::string_view what);

}  // namespace runledger::tracking::search
