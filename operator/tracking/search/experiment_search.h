// SearchExperiments: MLflow's experiments/search over ExperimentRecords.
//
// Filter (same syntax as runs, filter_syntax.h): attributes name (=, !=,
// LIKE, ILIKE on a quoted string), creation_time and last_update_time
// (=, !=, <, <=, >, >= on a number), and tags.<key> (=, !=, LIKE, ILIKE); a
// bare key is an attribute. Entity types: attribute (also attributes, attr)
// and tag/tags. An experiment lacking the tag does not match.
// order_by: name, experiment_id, creation_time, last_update_time with ASC or
// DESC; by default creation_time DESC, experiment_id ASC; otherwise the
// terms then experiment_id DESC unless named (MLflow's SQL store).
// experiment_id orders shorter ids first, then bytewise ("0" before UIDs,
// and numeric order for MLflow's decimal ids).
//
// Errors: InvalidArgument as for runs (see run_query.h).
// Thread-safety: ExperimentQuery is immutable after Compile; pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tracking/run_record.h"
#include "tracking/search/paging.h"
#include "tracking/search/sort_columns.h"
#include "tracking/search/value_test.h"

namespace runledger::tracking::search {

class ExperimentQuery {
 public:
  static Result<ExperimentQuery> Compile(std::string_view filter,
                                         std::span<const std::string> order_by);

  bool Matches(const ExperimentRecord& experiment) const;

  // Sort columns for the candidates experiments[rows[i]]; views into them.
  std::vector<SortColumn> Columns(std::span<const ExperimentRecord* const> experiments,
                                  const std::vector<size_t>& rows) const;

  enum class Field : uint8_t { kTag, kName, kExperimentId, kCreationTime, kLastUpdateTime };

 private:
  struct Predicate {
    Field field;
    std::string tag;  // kTag.
    ValueTest test;
  };
  struct Term {
    Field field;
    bool ascending;
  };

  std::vector<Predicate> predicates_;
  std::vector<Term> terms_;  // Including the tie-breaker.
};

struct ExperimentSearchRequest {
  std::string_view filter;
  std::span<const std::string> order_by;
  PageRequest page;
};

Result<SearchPage> SearchExperiments(std::span<const ExperimentRecord* const> experiments,
                                     const ExperimentSearchRequest& request);

}  // namespace runledger::tracking::search
