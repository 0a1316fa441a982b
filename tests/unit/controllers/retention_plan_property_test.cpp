// Properties of the RetentionPolicy decision over random Experiments, runs,
// policies and clocks. Each seed is fixed; a failure names its seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "controllers/retention_plan.h"

namespace runledger::controllers {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using Time = Clock::SystemTime;

constexpr uint32_t kSeeds = 300;
const std::vector<std::string> kClasses = {"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
                                           "GLACIER_IR",  "GLACIER",    "DEEP_ARCHIVE"};
const std::vector<std::string> kPhases = {"Succeeded", "Succeeded", "Succeeded", "Failed",
                                          "Failed",    "Running",   "Pending",   ""};

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  // A policy as the parser would accept it, except that the last tier is
  // sometimes not a catch-all and min_age may be 0.
  RetentionPolicySpec Policy(bool promoted_forever_first) {
    RetentionPolicySpec p;
    if (promoted_forever_first) {
      p.tiers.push_back({"promoted", TierMatch{.promoted = true}, std::nullopt, {}});
    }
    const int tiers = Int(1, 5);
    for (int i = 0; i < tiers; ++i) {
      RetentionTier t;
      t.name = "t" + std::to_string(i);
      if (i + 1 < tiers || Chance(0.1)) t.match = Match();
      if (Chance(0.03)) {
        t.keep = hours(99999 * 24);  // Past the end of system_clock.
      } else if (!Chance(0.2)) {
        t.keep = hours(Int(1, 2000));
      }
      const int limit = t.keep ? static_cast<int>(std::min<int64_t>(t.keep->count(), 3000)) : 3000;
      std::vector<int> afters;
      for (int n = Int(0, 3); n > 0 && limit > 1; --n) afters.push_back(Int(1, limit - 1));
      std::sort(afters.begin(), afters.end());
      afters.erase(std::unique(afters.begin(), afters.end()), afters.end());
      for (int after : afters) t.transitions.push_back({hours(after), Pick(kClasses)});
      p.tiers.push_back(std::move(t));
    }
    p.max_delete_percent = Chance(0.5) ? Int(1, 30) : Int(1, 100);
    p.min_age = hours(Int(0, 72));
    p.dry_run = Chance(0.5);
    return p;
  }

  RetentionExperiment Experiment(int index, Time now) {
    RetentionExperiment e;
    e.namespace_name = Chance(0.8) ? "ml" : "other";
    e.name = "e" + std::to_string(index);
    e.goal = Chance(0.5) ? MetricGoal::kMaximize : MetricGoal::kMinimize;
    e.metric = Chance(0.9) ? "auc" : "";
    e.has_storage_classes = Chance(0.8);
    for (int i = Int(0, 25); i > 0; --i) e.runs.push_back(Run("r" + std::to_string(i), now));
    return e;
  }

  RetentionObserved Observed(bool promoted_forever_first) {
    RetentionObserved o;
    o.now = FakeClock().SystemNow() + hours(Int(0, 1000)) + seconds(Int(0, 3599));
    o.policy = Policy(promoted_forever_first);
    for (int i = Int(1, 4); i > 0; --i) o.experiments.push_back(Experiment(i, o.now));
    return o;
  }

  template <typename T>
  void Shuffle(std::vector<T>& v) {
    std::shuffle(v.begin(), v.end(), rng_);
  }

  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  const std::string& Pick(const std::vector<std::string>& v) {
    return v[static_cast<size_t>(Int(0, static_cast<int>(v.size()) - 1))];
  }

  TierMatch Match() {
    TierMatch m;
    while (m == TierMatch{}) {
      if (Chance(0.4)) m.promoted = Chance(0.5);
      if (Chance(0.3)) m.phase = Chance(0.5) ? "Succeeded" : "Failed";
      if (Chance(0.3)) {
        m.top_n = Int(1, 8);
      } else if (Chance(0.3)) {
        m.top_percent = Int(1, 100);
      }
    }
    return m;
  }

  RetentionRun Run(std::string name, Time now) {
    RetentionRun r;
    r.name = std::move(name);
    r.phase = Pick(kPhases);
    if (!Chance(0.08)) r.completion_time = now - hours(Int(-48, 3000)) - seconds(Int(0, 3599));
    r.promoted = Chance(0.25);
    r.legal_hold = Chance(0.1);
    if (Chance(0.05)) {
      r.metric = std::nan("");
    } else if (!Chance(0.15)) {
      r.metric = Int(0, 10) / 10.0;  // Few values, so ties are common.
    }
    r.has_artifacts = Chance(0.85);
    r.artifacts_deleted = r.has_artifacts && Chance(0.15);
    r.storage_class = Chance(0.5) ? "" : Chance(0.2) ? "STANDARD" : Pick(kClasses);
    if (Chance(0.8)) r.bytes = Int(0, 1'000'000);
    if (Chance(0.8)) r.objects = Int(0, 100);
    return r;
  }

  std::mt19937 rng_;
};

const RetentionExperiment& ExperimentOf(const RetentionObserved& o, const RunRetention& r) {
  for (const RetentionExperiment& e : o.experiments) {
    if (e.namespace_name == r.namespace_name && e.name == r.experiment) return e;
  }
  ADD_FAILURE() << "no input experiment " << r.namespace_name << "/" << r.experiment;
  static const RetentionExperiment kMissing;
  return kMissing;
}

const RetentionRun& Input(const RetentionObserved& o, const RunRetention& r) {
  for (const RetentionRun& run : ExperimentOf(o, r).runs) {
    if (run.name == r.run) return run;
  }
  ADD_FAILURE() << "no input run " << r.namespace_name << "/" << r.experiment << "/" << r.run;
  static const RetentionRun kMissing;
  return kMissing;
}

bool Acts(RetentionAction a) {
  return a == RetentionAction::kDelete || a == RetentionAction::kTransition;
}

// The inputs after the controller carried out the plan's actions.
RetentionObserved Applied(RetentionObserved o, const RetentionPlan& plan) {
  std::map<std::tuple<std::string, std::string, std::string>, const RunRetention*> by_run;
  for (const RunRetention& r : plan.runs) by_run[{r.namespace_name, r.experiment, r.run}] = &r;
  for (RetentionExperiment& e : o.experiments) {
    for (RetentionRun& run : e.runs) {
      const RunRetention& r = *by_run.at({e.namespace_name, e.name, run.name});
      if (r.action == RetentionAction::kDelete) run.artifacts_deleted = true;
      if (r.action == RetentionAction::kTransition) run.storage_class = r.storage_class;
    }
  }
  return o;
}

std::string Describe(const RunRetention& r) {
  return r.namespace_name + "/" + r.experiment + "/" + r.run + " tier=" + r.tier +
         " action=" + std::string(RetentionActionName(r.action));
}

// Runs `check` for every seed, naming the seed of a failure and stopping there.
template <typename Check>
void ForEachSeed(Check check) {
  for (uint32_t seed = 1; seed <= kSeeds; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    check(seed);
    if (testing::Test::HasFailure()) return;
  }
}

// The properties below hold vacuously unless the generator reaches every case.
TEST(RetentionPropertyTest, GeneratorReachesEveryCase) {
  std::map<RetentionAction, int> actions;
  int protected_runs = 0, untiered = 0, tripped = 0, forever = 0;
  for (uint32_t seed = 1; seed <= kSeeds; ++seed) {
    Generator gen(seed);
    const RetentionPlan plan = DecideRetention(gen.Observed(seed % 2 == 0));
    for (const RunRetention& r : plan.runs) {
      ++actions[r.action];
      if (!r.protected_reason.empty()) ++protected_runs;
      if (!r.tier.empty() && !r.expires_at) ++forever;
      if (r.tier.empty() && !r.protected_reason.starts_with("not finished")) ++untiered;
    }
    for (const SafetyValve& v : plan.valves) tripped += v.deferred > 0;
  }
  for (const auto action : {RetentionAction::kNone, RetentionAction::kTransition,
                            RetentionAction::kDelete, RetentionAction::kDeferredDelete}) {
    EXPECT_GE(actions[action], 100) << RetentionActionName(action);
  }
  EXPECT_GE(protected_runs, 1000);
  EXPECT_GE(untiered, 50);
  EXPECT_GE(tripped, 50);
  EXPECT_GE(forever, 500);
}

TEST(RetentionPropertyTest, ProtectedRunsAreNeverTouched) {
  ForEachSeed([](uint32_t seed) {
    Generator gen(seed);
    const bool promoted_first = seed % 2 == 0;
    const RetentionObserved o = gen.Observed(promoted_first);
    const RetentionPlan plan = DecideRetention(o);
    size_t inputs = 0;
    for (const RetentionExperiment& e : o.experiments) inputs += e.runs.size();
    ASSERT_EQ(plan.runs.size(), inputs);
    for (const RunRetention& r : plan.runs) {
      const RetentionRun& in = Input(o, r);
      const bool finished = in.phase == "Succeeded" || in.phase == "Failed";
      const bool young = in.completion_time && o.now - *in.completion_time < o.policy.min_age;
      if (!finished || in.legal_hold || !in.completion_time || young) {
        EXPECT_EQ(r.action, RetentionAction::kNone) << Describe(r);
        EXPECT_NE(r.protected_reason, "") << Describe(r);
      }
      if (!in.has_artifacts || in.artifacts_deleted) {
        EXPECT_EQ(r.action, RetentionAction::kNone) << Describe(r);
      }
      if (!ExperimentOf(o, r).has_storage_classes) {
        EXPECT_NE(r.action, RetentionAction::kTransition) << Describe(r);
      }
      if (promoted_first && in.promoted) {
        EXPECT_NE(r.action, RetentionAction::kDelete) << Describe(r);
        EXPECT_NE(r.action, RetentionAction::kDeferredDelete) << Describe(r);
      }
    }
  });
}

TEST(RetentionPropertyTest, ReplanningTheResultRepeatsNothingButDeferredDeletions) {
  ForEachSeed([](uint32_t seed) {
    Generator gen(seed);
    const RetentionObserved o = gen.Observed(seed % 2 == 0);
    const RetentionPlan first = DecideRetention(o);
    const RetentionPlan again = DecideRetention(Applied(o, first));
    ASSERT_EQ(again.runs.size(), first.runs.size());
    for (size_t i = 0; i < again.runs.size(); ++i) {
      const RunRetention& before = first.runs[i];
      const RunRetention& after = again.runs[i];
      ASSERT_EQ(after.run, before.run);
      EXPECT_EQ(after.tier, before.tier) << Describe(after);  // Deleting never re-ranks.
      if (before.action == RetentionAction::kDeferredDelete) {
        EXPECT_TRUE(after.action == RetentionAction::kDelete ||
                    after.action == RetentionAction::kDeferredDelete)
            << Describe(after);
      } else {
        EXPECT_EQ(after.action, RetentionAction::kNone) << Describe(after);
      }
    }
  });
}

TEST(RetentionPropertyTest, DryRunPlansExactlyWhatARealPassDoes) {
  ForEachSeed([](uint32_t seed) {
    Generator gen(seed);
    RetentionObserved o = gen.Observed(seed % 2 == 0);
    o.policy.dry_run = false;
    const RetentionPlan real = DecideRetention(o);
    o.policy.dry_run = true;
    EXPECT_TRUE(DecideRetention(o) == real);
  });
}

TEST(RetentionPropertyTest, DeletionsStayWithinTheValve) {
  ForEachSeed([](uint32_t seed) {
    Generator gen(seed);
    const RetentionObserved o = gen.Observed(seed % 2 == 0);
    const RetentionPlan plan = DecideRetention(o);
    ASSERT_EQ(plan.valves.size(), o.experiments.size());
    int64_t deferred = 0;
    for (const SafetyValve& v : plan.valves) {
      int64_t with_artifacts = 0, deletes = 0, held = 0;
      for (const RunRetention& r : plan.runs) {
        if (r.namespace_name != v.namespace_name || r.experiment != v.experiment) continue;
        const RetentionRun& in = Input(o, r);
        if (in.has_artifacts && !in.artifacts_deleted) ++with_artifacts;
        if (r.action == RetentionAction::kDelete) ++deletes;
        if (r.action == RetentionAction::kDeferredDelete) ++held;
      }
      EXPECT_EQ(v.with_artifacts, with_artifacts);
      const int64_t cap =
          with_artifacts == 0
              ? 0
              : std::max<int64_t>(1, with_artifacts * o.policy.max_delete_percent / 100);
      EXPECT_EQ(v.cap, cap) << v.experiment;
      EXPECT_LE(deletes, v.cap) << v.experiment;
      EXPECT_EQ(v.due, deletes + held) << v.experiment;
      EXPECT_EQ(v.deferred, held) << v.experiment;
      EXPECT_EQ(v.message.empty(), held == 0) << v.experiment;
      if (held > 0) {
        EXPECT_EQ(deletes, v.cap) << v.experiment;
      }
      deferred += held;
    }
    EXPECT_EQ(plan.deferred, deferred);
  });
}

TEST(RetentionPropertyTest, CountsAndPreviewFollowTheActions) {
  ForEachSeed([](uint32_t seed) {
    Generator gen(seed);
    const RetentionObserved o = gen.Observed(seed % 2 == 0);
    const RetentionPlan plan = DecideRetention(o);
    RetentionCounts total;
    int64_t actions = 0;
    for (const RunRetention& r : plan.runs) {
      if (Acts(r.action)) ++actions;
      if (r.action == RetentionAction::kDelete) {
        ++total.deleted;
        total.bytes_deleted += r.bytes.value_or(0);
      }
      if (r.action == RetentionAction::kTransition) ++total.transitioned;
    }
    EXPECT_EQ(plan.total.deleted, total.deleted);
    EXPECT_EQ(plan.total.bytes_deleted, total.bytes_deleted);
    EXPECT_EQ(plan.total.transitioned, total.transitioned);
    RetentionCounts tiers;
    for (const TierCounts& t : plan.tiers) {
      tiers.kept += t.counts.kept;
      tiers.deleted += t.counts.deleted;
      tiers.transitioned += t.counts.transitioned;
      tiers.bytes_deleted += t.counts.bytes_deleted;
    }
    EXPECT_LE(tiers.kept, plan.total.kept);  // Runs no tier took count only in the total.
    EXPECT_EQ(tiers.deleted, plan.total.deleted);
    EXPECT_EQ(tiers.transitioned, plan.total.transitioned);
    EXPECT_EQ(tiers.bytes_deleted, plan.total.bytes_deleted);
    EXPECT_EQ(plan.preview_total, actions);
    EXPECT_EQ(plan.preview.size(), std::min<size_t>(actions, kRetentionPreviewLimit));
    for (size_t i = 1; i < plan.preview.size(); ++i) {
      EXPECT_LE(plan.preview[i - 1].due_time, plan.preview[i].due_time);
    }
  });
}

TEST(RetentionPropertyTest, InputOrderDoesNotMatter) {
  ForEachSeed([](uint32_t seed) {
    Generator gen(seed);
    RetentionObserved o = gen.Observed(seed % 2 == 0);
    const RetentionPlan plan = DecideRetention(o);
    gen.Shuffle(o.experiments);
    for (RetentionExperiment& e : o.experiments) gen.Shuffle(e.runs);
    EXPECT_TRUE(DecideRetention(o) == plan);
  });
}

TEST(RetentionPropertyTest, NextDueIsWhenTheNextActionFallsDue) {
  ForEachSeed([](uint32_t seed) {
    Generator gen(seed);
    const RetentionObserved o = gen.Observed(seed % 2 == 0);
    const RetentionPlan plan = DecideRetention(o);
    const RetentionObserved done = Applied(o, plan);
    std::optional<Time> earliest;
    for (size_t i = 0; i < plan.runs.size(); ++i) {
      const RunRetention& r = plan.runs[i];
      if (!r.next_due || *r.next_due <= o.now) continue;
      if (!earliest || *r.next_due < *earliest) earliest = r.next_due;
      // The same runs plan in the same order at any time.
      RetentionObserved at = done;
      at.now = *r.next_due;
      EXPECT_NE(DecideRetention(at).runs[i].action, RetentionAction::kNone) << Describe(r);
      at.now = *r.next_due - seconds(1);
      if (at.now > o.now) {
        EXPECT_EQ(DecideRetention(at).runs[i].action, RetentionAction::kNone) << Describe(r);
      }
    }
    EXPECT_EQ(plan.next_due, earliest);
  });
}

// -1 for STANDARD, else the last position of `storage_class` in `tier`'s
// transitions; nullopt when the tier does not list it.
std::optional<int> Position(const RetentionTier& tier, const std::string& storage_class) {
  if (storage_class.empty() || storage_class == "STANDARD") return -1;
  std::optional<int> position;
  for (size_t i = 0; i < tier.transitions.size(); ++i) {
    if (tier.transitions[i].storage_class == storage_class) position = static_cast<int>(i);
  }
  return position;
}

TEST(RetentionPropertyTest, OverManyPassesArtifactsOnlyGetColderAndGoOnce) {
  ForEachSeed([](uint32_t seed) {
    Generator gen(seed);
    RetentionObserved o = gen.Observed(seed % 2 == 0);
    const RetentionPolicySpec policy = o.policy;  // o is replaced on every pass.
    std::map<std::string, const RetentionTier*> tiers;
    for (const RetentionTier& t : policy.tiers) tiers[t.name] = &t;
    std::map<std::string, int> deletions;
    for (int pass = 0; pass < 12; ++pass) {
      const RetentionPlan plan = DecideRetention(o);
      for (const RunRetention& r : plan.runs) {
        if (r.action == RetentionAction::kDelete) {
          EXPECT_EQ(++deletions[r.namespace_name + "/" + r.experiment + "/" + r.run], 1)
              << Describe(r);
        }
        if (r.action != RetentionAction::kTransition) continue;
        const RetentionTier& tier = *tiers.at(r.tier);
        const std::optional<int> from = Position(tier, Input(o, r).storage_class);
        const std::optional<int> to = Position(tier, r.storage_class);
        ASSERT_TRUE(from && to) << Describe(r) << " from " << Input(o, r).storage_class;
        EXPECT_GT(*to, *from) << Describe(r) << " from " << Input(o, r).storage_class << " to "
                              << r.storage_class;
      }
      o = Applied(o, plan);
      o.now += hours(gen.Int(1, 400));
    }
  });
}

}  // namespace
}  // namespace runledger::controllers
