// runs/search and experiments/search (the semantics are in search/).
#include "tracking/handlers.h"
#include "tracking/mlflow_json.h"
#include "tracking/search/experiment_search.h"
#include "tracking/search/run_search.h"

namespace runledger::tracking::internal {
namespace {

using nlohmann::json;

// The paging parameters both searches share.
struct PageArgs {
  std::string view_name, page_token;
  std::optional<int64_t> max_results;
  std::vector<std::string> order_by;
  std::string filter;
};

Result<PageArgs> ReadPageArgs(const RequestArgs& args, std::string_view view_field) {
  PageArgs p;
  ASSIGN_OR_RETURN(p.view_name, args.String(view_field));
  ASSIGN_OR_RETURN(p.page_token, args.String("page_token"));
  ASSIGN_OR_RETURN(p.max_results, args.Int("max_results"));
  ASSIGN_OR_RETURN(p.order_by, args.Strings("order_by"));
  ASSIGN_OR_RETURN(p.filter, args.String("filter"));
  return p;
}

}  // namespace

Result<json> Handlers::SearchRuns(const Call& c) {
  ASSIGN_OR_RETURN(auto experiment_ids, c.args.Strings("experiment_ids"));
  ASSIGN_OR_RETURN(PageArgs p, ReadPageArgs(c.args, "run_view_type"));
  ASSIGN_OR_RETURN(search::ViewType view, search::ParseViewType(p.view_name));
  ASSIGN_OR_RETURN(search::RunQuery query, search::RunQuery::Compile(p.filter, p.order_by));

  // The lists keep the records alive; rows point into them.
  std::vector<Catalog::RunList> lists;
  size_t total = 0;
  for (const auto& id : experiment_ids) {
    ExperimentPtr e = d_.catalog.Experiment(id, c.caller.ns);
    if (!e) continue;  // MLflow answers no runs for an unknown experiment.
    RETURN_IF_ERROR(d_.auth.Can(c.caller, Verb::kList, "trainingruns", e->ns));
    lists.push_back(d_.catalog.RunsOf(e->ns, e->resource_name));
    total += lists.back()->size();
  }
  std::vector<const RunRecord*> rows;
  rows.reserve(total);
  for (const auto& list : lists) {
    for (const auto& r : *list) rows.push_back(r.get());
  }

  // The latest values of every run the query reads metrics of, fetched once.
  std::vector<LatestValues::ValuesPtr> values(rows.size());
  if (!query.metric_keys().empty()) {
    for (size_t i = 0; i < rows.size(); ++i) {
      ASSIGN_OR_RETURN(values[i], d_.latest.Get(rows[i]->run_id));
    }
  }
  search::MetricLookupFn lookup(
      [&](size_t row, size_t, std::string_view key) -> std::optional<double> {
        if (!values[row]) return std::nullopt;
        const auto it = values[row]->find(key);
        if (it == values[row]->end()) return std::nullopt;
        return it->second.value;
      });
  ASSIGN_OR_RETURN(search::SearchPage page,
                   search::SearchRuns(query, rows, lookup, {view, p.max_results, p.page_token}));
  json out = json::object();
  if (!page.rows.empty()) {
    json list = json::array();
    for (const size_t i : page.rows) {
      auto latest = d_.latest.Points(rows[i]->run_id);
      list.push_back(RunJson(*rows[i], latest.ok() ? *latest : std::vector<store::Point>{}));
    }
    out["runs"] = std::move(list);
  }
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

Result<json> Handlers::SearchExperiments(const Call& c) {
  ASSIGN_OR_RETURN(PageArgs p, ReadPageArgs(c.args, "view_type"));
  ASSIGN_OR_RETURN(search::ViewType view, search::ParseViewType(p.view_name));
  // The experiments of the namespaces the caller may list experiments in.
  std::vector<ExperimentPtr> all = d_.catalog.Experiments();
  std::map<std::string, bool> readable;
  std::vector<const ExperimentRecord*> rows;
  for (const auto& e : all) {
    auto [it, fresh] = readable.emplace(e->ns, false);
    if (fresh) it->second = d_.auth.Can(c.caller, Verb::kList, "experiments", e->ns).ok();
    if (!it->second) continue;
    // "0" is the Default of the caller's namespace only; others' defaults
    // would be a second "0".
    if (e->experiment_id == "0" && e->ns != c.caller.ns) continue;
    rows.push_back(e.get());
  }
  ASSIGN_OR_RETURN(
      search::SearchPage page,
      search::SearchExperiments(rows, {p.filter, p.order_by, {view, p.max_results, p.page_token}}));
  json out = json::object();
  if (!page.rows.empty()) {
    json list = json::array();
    for (const size_t i : page.rows) list.push_back(ExperimentJson(*rows[i]));
    out["experiments"] = std::move(list);
  }
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

// MLflow 3's logged models (models as entities of their own) are not kept:
// a model logged with log_model is a run's artifacts like any other. The
// client still searches them where a run's artifacts are listed, so the
// answer is an empty page rather than ENDPOINT_NOT_FOUND.
Result<json> Handlers::SearchLoggedModels(const Call&) { return json::object(); }

}  // namespace runledger::tracking::internal
