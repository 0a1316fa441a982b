// libFuzzer target: MLflow search filters and order_by clauses from any
// bytes must compile or fail with InvalidArgument naming a position inside
// the text, and a compiled query must evaluate without crashing.
// Input: the first line is the filter, each further line one order_by clause.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tracking/search/experiment_search.h"
#include "tracking/search/run_search.h"

using namespace runledger;
using namespace runledger::tracking;
using namespace runledger::tracking::search;

namespace {

// The message is "at character N: ..." with 1 <= N <= size + 1 for the
// filter, or "order_by[i] '<clause i>': " and then that for clause i.
void CheckError(const Status& status, std::string_view filter,
                const std::vector<std::string>& order_by) {
  if (status.code() != Code::kInvalidArgument) std::abort();
  std::string_view m = status.message();
  size_t size = filter.size();
  for (size_t i = 0; i < order_by.size(); ++i) {
    const std::string prefix = "order_by[" + std::to_string(i) + "] '" + order_by[i] + "': ";
    if (m.substr(0, prefix.size()) == prefix) {
      m.remove_prefix(prefix.size());
      size = order_by[i].size();
      break;
    }
  }
  constexpr std::string_view kAt = "at character ";
  if (m.substr(0, kAt.size()) != kAt) std::abort();
  const unsigned long n = std::strtoul(std::string(m.substr(kAt.size(), 24)).c_str(), nullptr, 10);
  if (n < 1 || n > size + 1) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nl = in.find('\n');
  const std::string_view filter = in.substr(0, nl);
  std::vector<std::string> order_by;
  for (size_t start = nl; start != std::string_view::npos && start < in.size();) {
    const size_t end = in.find('\n', start + 1);
    order_by.emplace_back(
        in.substr(start + 1, end == std::string_view::npos ? end : end - start - 1));
    start = end;
  }

  RunRecord run;
  run.run_id = "0123456789abcdef0123456789abcdef";
  run.params = {{"lr", "0.01"}, {"", "empty"}};
  run.tags = {{"mlflow.runName", "caf\xc3\xa9"}};
  run.end_time_ms = 5;
  const RunRecord* rows[] = {&run, &run};
  MetricLookupFn metrics([](size_t row, size_t slot, std::string_view) -> std::optional<double> {
    if (row == 1) return std::nan("");
    return slot % 2 ? std::nullopt : std::optional<double>(static_cast<double>(slot));
  });
  const Result<SearchPage> page =
      SearchRuns(rows, metrics, {filter, order_by, {ViewType::kAll, 1, ""}});
  if (page.ok()) {
    if (page->rows.size() > 1) std::abort();
  } else {
    CheckError(page.status(), filter, order_by);
  }

  ExperimentRecord experiment;
  experiment.experiment_id = "0";
  experiment.name = "Default";
  experiment.tags = {{"k", "v"}};
  const ExperimentRecord* experiments[] = {&experiment};
  const Result<SearchPage> found =
      SearchExperiments(experiments, {filter, order_by, {ViewType::kAll, {}, ""}});
  if (!found.ok()) CheckError(found.status(), filter, order_by);
  return 0;
}
