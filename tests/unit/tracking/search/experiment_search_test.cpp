#include "tracking/search/experiment_search.h"

#include <gtest/gtest.h>

#include "search_test_util.h"

namespace runledger::tracking::search {
namespace {

using testing::Pointers;

ExperimentRecord MakeExperiment(std::string id, std::string name, int64_t created,
                                int64_t updated = 0) {
  ExperimentRecord e;
  e.experiment_id = std::move(id);
  e.name = std::move(name);
  e.creation_time_ms = created;
  e.last_update_time_ms = updated;
  return e;
}

class ExperimentSearchTest : public ::testing::Test {
 protected:
  ExperimentSearchTest() {
    experiments_ = {
        MakeExperiment("0", "Default", 10, 10),
        MakeExperiment("2", "team-a/vision", 30, 40),
        MakeExperiment("10", "team-a/nlp", 30, 35),
        MakeExperiment("5", "team-b/Vision", 20, 50),
    };
    experiments_[1].tags["owner"] = "alice";
    experiments_[3].tags["owner"] = "bob";
  }

  std::vector<std::string> Search(std::string_view filter, std::vector<std::string> order_by = {},
                                  PageRequest page = {}) {
    const std::vector<const ExperimentRecord*> rows = Pointers(experiments_);
    const auto result = SearchExperiments(rows, {filter, order_by, page});
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<std::string> ids;
    if (!result.ok()) return ids;
    for (size_t row : result->rows) ids.push_back(experiments_[row].experiment_id);
    next_token_ = result->next_page_token;
    return ids;
  }
  std::string Error(std::string_view filter, std::vector<std::string> order_by = {}) {
    const std::vector<const ExperimentRecord*> rows = Pointers(experiments_);
    const auto result = SearchExperiments(rows, {filter, order_by, {}});
    EXPECT_FALSE(result.ok()) << filter;
    if (result.ok()) return "";
    EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
    return result.status().message();
  }

  std::vector<ExperimentRecord> experiments_;
  std::string next_token_;
};

using Ids = std::vector<std::string>;

TEST_F(ExperimentSearchTest, DefaultOrderIsNewestThenIdAscending) {
  // "2" and "10" tie on creation_time: ids compare numerically ("2" < "10").
  EXPECT_EQ(Search(""), (Ids{"2", "10", "5", "0"}));
}

TEST_F(ExperimentSearchTest, ExplicitOrderBreaksTiesByIdDescending) {
  EXPECT_EQ(Search("", {"creation_time DESC"}), (Ids{"10", "2", "5", "0"}));
  EXPECT_EQ(Search("", {"name"}), (Ids{"0", "10", "2", "5"}));
  EXPECT_EQ(Search("", {"attribute.last_update_time DESC"}), (Ids{"5", "2", "10", "0"}));
  EXPECT_EQ(Search("", {"experiment_id ASC"}), (Ids{"0", "2", "5", "10"}));
}

TEST_F(ExperimentSearchTest, NameComparators) {
  EXPECT_EQ(Search("name = 'Default'"), (Ids{"0"}));
  EXPECT_EQ(Search("attributes.name != 'Default'", {"name"}), (Ids{"10", "2", "5"}));
  EXPECT_EQ(Search("name LIKE 'team-a/%'", {"name"}), (Ids{"10", "2"}));
  EXPECT_EQ(Search("name LIKE '%vision'"), (Ids{"2"}));
  EXPECT_EQ(Search("name ILIKE '%vision'", {"name"}), (Ids{"2", "5"}));
}

TEST_F(ExperimentSearchTest, TimeComparators) {
  EXPECT_EQ(Search("creation_time = 30", {"experiment_id"}), (Ids{"2", "10"}));
  EXPECT_EQ(Search("creation_time != 30", {"experiment_id"}), (Ids{"0", "5"}));
  EXPECT_EQ(Search("creation_time < 20"), (Ids{"0"}));
  EXPECT_EQ(Search("creation_time <= 20", {"experiment_id"}), (Ids{"0", "5"}));
  EXPECT_EQ(Search("last_update_time > 40"), (Ids{"5"}));
  EXPECT_EQ(Search("last_update_time >= 40 AND creation_time >= 30"), (Ids{"2"}));
}

TEST_F(ExperimentSearchTest, TagsAndMissingTags) {
  EXPECT_EQ(Search("tags.owner = 'alice'"), (Ids{"2"}));
  EXPECT_EQ(Search("tag.owner != 'alice'"), (Ids{"5"}));  // Untagged ones do not match.
  EXPECT_EQ(Search("tags.owner LIKE '%o%'"), (Ids{"5"}));
  EXPECT_EQ(Search("tags.`owner` ILIKE 'ALICE'"), (Ids{"2"}));
}

TEST_F(ExperimentSearchTest, ViewTypes) {
  experiments_[2].lifecycle_stage = kDeleted;
  EXPECT_EQ(Search(""), (Ids{"2", "5", "0"}));
  EXPECT_EQ(Search("", {}, {ViewType::kDeletedOnly, {}, ""}), (Ids{"10"}));
  EXPECT_EQ(Search("", {}, {ViewType::kAll, {}, ""}).size(), 4u);
}

TEST_F(ExperimentSearchTest, Paging) {
  Ids all;
  std::string token;
  do {
    const Ids page = Search("", {}, {ViewType::kAll, 3, token});
    all.insert(all.end(), page.begin(), page.end());
    token = next_token_;
  } while (!token.empty());
  EXPECT_EQ(all, (Ids{"2", "10", "5", "0"}));
}

TEST_F(ExperimentSearchTest, InvalidFiltersAndOrders) {
  EXPECT_EQ(Error("metrics.x > 1"),
            "at character 1: invalid entity type 'metrics' for experiments; valid values are "
            "attribute and tag (or attributes, attr, tags)");
  EXPECT_EQ(Error("experiment_id = '1'"),
            "at character 1: invalid experiment attribute key 'experiment_id'; valid keys are "
            "'name', 'creation_time', 'last_update_time'");
  EXPECT_EQ(Error("name IN ('a')"),
            "at character 6: only the 'run_id' attribute of runs supports IN and NOT IN, not "
            "attribute 'name' of an experiment");
  EXPECT_EQ(Error("name > 'a'"),
            "at character 6: comparator '>' is not valid for attribute 'name'; use one of =, !=, "
            "LIKE, ILIKE");
  EXPECT_EQ(Error("creation_time = 'x'"),
            "at character 17: expected a number for attribute 'creation_time', got the string 'x'");
  EXPECT_EQ(Error("tags.owner < 'a'"),
            "at character 12: comparator '<' is not valid for tag 'owner'; use one of =, !=, LIKE, "
            "ILIKE");
  EXPECT_EQ(Error("", {"tags.owner"}),
            "order_by[0] 'tags.owner': at character 1: experiments cannot be ordered by a tag");
  EXPECT_EQ(Error("", {"start_time"}),
            "order_by[0] 'start_time': at character 1: invalid experiment attribute key "
            "'start_time' for order_by; valid keys are 'name', 'experiment_id', 'creation_time', "
            "'last_update_time'");
}

}  // namespace
}  // namespace runledger::tracking::search
