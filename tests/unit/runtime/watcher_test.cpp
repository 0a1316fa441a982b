#include "runtime/watcher.h"

#include <gtest/gtest.h>

#include <deque>

#include "runtime/cache.h"

namespace runledger::runtime {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

json Obj(const std::string& name, const std::string& rv) {
  return {{"metadata", {{"namespace", "ns"}, {"name", name}, {"resourceVersion", rv}}}};
}

// A scripted API server: each List and Watch call takes the next answer.
class FakeSource : public ListWatchSource {
 public:
  struct WatchScript {
    std::vector<kube::WatchEvent> events;
    Status end;
  };
  std::deque<Result<kube::ListPage>> lists;
  std::deque<WatchScript> watches;
  std::vector<kube::ListOptions> list_calls;
  std::vector<kube::WatchOptions> watch_calls;

  Result<kube::ListPage> List(const kube::ListOptions& o) override {
    list_calls.push_back(o);
    if (lists.empty()) return Unavailable("no more scripted lists");
    auto r = std::move(lists.front());
    lists.pop_front();
    return r;
  }
  Status Watch(const kube::WatchOptions& o, const std::function<Status(kube::WatchEvent)>& cb,
               std::stop_token) override {
    watch_calls.push_back(o);
    if (watches.empty()) return Unavailable("no more scripted watches");
    auto w = std::move(watches.front());
    watches.pop_front();
    for (auto& e : w.events) RETURN_IF_ERROR(cb(e));
    return w.end;
  }
};

kube::ListPage Page(std::vector<json> items, std::string rv, std::string cont = "") {
  return kube::ListPage{std::move(items), std::move(rv), std::move(cont)};
}

struct Recorder {
  std::vector<std::string> seen;
  std::function<void(WatcherEvent)> sink() {
    return [this](WatcherEvent e) {
      static const char* names[] = {"begin", "init", "done", "apply", "delete"};
      std::string s = names[static_cast<int>(e.type)];
      if (e.object) s += ":" + (*e.object)["metadata"]["name"].get<std::string>();
      seen.push_back(s);
    };
  }
};

class WatcherTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  Rng rng_{42};
  FakeSource source_;
  Recorder rec_;
};

TEST_F(WatcherTest, ListsInPagesThenWatchesFromTheListVersion) {
  source_.lists.push_back(Page({Obj("a", "1")}, "", "page2"));
  source_.lists.push_back(Page({Obj("b", "2")}, "10"));
  source_.watches.push_back({{{kube::WatchEventType::kAdded, Obj("c", "11")}}, Status()});
  Watcher w(source_, clock_, rng_);
  auto sink = rec_.sink();
  EXPECT_EQ(w.Step(sink, {}), milliseconds(0));
  EXPECT_EQ(w.phase(), Watcher::Phase::kListing);
  EXPECT_EQ(w.Step(sink, {}), milliseconds(0));
  EXPECT_EQ(w.phase(), Watcher::Phase::kWatching);
  EXPECT_EQ(w.resource_version(), "10");
  EXPECT_EQ(w.Step(sink, {}), milliseconds(0));
  EXPECT_EQ(rec_.seen, (std::vector<std::string>{"begin", "init:a", "init:b", "done", "apply:c"}));
  ASSERT_EQ(source_.list_calls.size(), 2u);
  EXPECT_EQ(source_.list_calls[0].limit, 100);
  EXPECT_EQ(source_.list_calls[1].continue_token, "page2");
  ASSERT_EQ(source_.watch_calls.size(), 1u);
  EXPECT_EQ(source_.watch_calls[0].resource_version, "10");
  EXPECT_TRUE(source_.watch_calls[0].allow_bookmarks);
}

TEST_F(WatcherTest, WatchEndedByTheServerResumesFromTheLastVersionSeen) {
  source_.lists.push_back(Page({}, "10"));
  source_.watches.push_back({{{kube::WatchEventType::kModified, Obj("a", "12")},
                              {kube::WatchEventType::kBookmark, Obj("", "15")}},
                             Status()});
  source_.watches.push_back({{}, Status()});
  Watcher w(source_, clock_, rng_);
  auto sink = rec_.sink();
  w.Step(sink, {});
  w.Step(sink, {});  // Watch 1: ends cleanly.
  EXPECT_EQ(w.resource_version(), "15");
  clock_.Advance(seconds(2));
  w.Step(sink, {});
  ASSERT_EQ(source_.watch_calls.size(), 2u);
  EXPECT_EQ(source_.watch_calls[1].resource_version, "15");
  EXPECT_EQ(w.phase(), Watcher::Phase::kWatching);
}

TEST_F(WatcherTest, GoneRelistsFromScratch) {
  source_.lists.push_back(Page({Obj("a", "1")}, "10"));
  source_.watches.push_back({{}, Status(Code::kGone, "too old resource version")});
  source_.lists.push_back(Page({Obj("b", "20")}, "20"));
  Watcher w(source_, clock_, rng_);
  auto sink = rec_.sink();
  w.Step(sink, {});
  auto delay = w.Step(sink, {});
  EXPECT_EQ(w.phase(), Watcher::Phase::kEmpty);
  EXPECT_EQ(w.last_error().code(), Code::kGone);
  ASSERT_TRUE(delay);
  w.Step(sink, {});
  EXPECT_EQ(w.resource_version(), "20");
  EXPECT_EQ(source_.list_calls[1].continue_token, "");
  EXPECT_EQ(rec_.seen,
            (std::vector<std::string>{"begin", "init:a", "done", "begin", "init:b", "done"}));
}

TEST_F(WatcherTest, ExpiredContinueTokenRestartsTheList) {
  source_.lists.push_back(Page({Obj("a", "1")}, "", "tok"));
  source_.lists.push_back(Status(Code::kGone, "continue token expired"));
  source_.lists.push_back(Page({Obj("a", "1"), Obj("b", "2")}, "9"));
  Watcher w(source_, clock_, rng_);
  auto sink = rec_.sink();
  w.Step(sink, {});
  w.Step(sink, {});
  EXPECT_EQ(w.phase(), Watcher::Phase::kEmpty);
  w.Step(sink, {});
  EXPECT_EQ(w.phase(), Watcher::Phase::kWatching);
  EXPECT_EQ(source_.list_calls[2].continue_token, "");
}

TEST_F(WatcherTest, OtherErrorsKeepTheVersionAndBackOffExponentially) {
  source_.lists.push_back(Page({}, "10"));
  for (int i = 0; i < 8; ++i) source_.watches.push_back({{}, Unavailable("connection reset")});
  Rng no_jitter(1);
  WatcherOptions options;
  options.backoff.jitter = 0;
  Watcher w(source_, clock_, no_jitter, options);
  auto sink = rec_.sink();
  w.Step(sink, {});
  std::vector<int64_t> delays_ms;
  for (int i = 0; i < 8; ++i) {
    auto d = w.Step(sink, {});
    ASSERT_TRUE(d);
    delays_ms.push_back(std::chrono::duration_cast<milliseconds>(*d).count());
    clock_.Advance(*d);
  }
  EXPECT_EQ(delays_ms, (std::vector<int64_t>{800, 1600, 3200, 6400, 12800, 25600, 30000, 30000}));
  for (const auto& call : source_.watch_calls) EXPECT_EQ(call.resource_version, "10");
}

TEST_F(WatcherTest, BackoffResetsAfterAQuietPeriod) {
  source_.lists.push_back(Page({}, "10"));
  for (int i = 0; i < 3; ++i) source_.watches.push_back({{}, Unavailable("reset")});
  WatcherOptions options;
  options.backoff.jitter = 0;
  Watcher w(source_, clock_, rng_, options);
  auto sink = rec_.sink();
  w.Step(sink, {});
  w.Step(sink, {});
  EXPECT_EQ(w.Step(sink, {}), milliseconds(1600));
  clock_.Advance(seconds(121));
  EXPECT_EQ(w.Step(sink, {}), milliseconds(800));
}

TEST_F(WatcherTest, JitterStretchesDelaysUpToDouble) {
  source_.lists.push_back(Page({}, "10"));
  for (int i = 0; i < 50; ++i) source_.watches.push_back({{}, Unavailable("reset")});
  WatcherOptions options;
  options.backoff_reset = seconds(1000000);
  Watcher w(source_, clock_, rng_, options);
  auto sink = rec_.sink();
  w.Step(sink, {});
  auto first = w.Step(sink, {});
  EXPECT_GE(*first, milliseconds(800));
  EXPECT_LT(*first, milliseconds(1600));
  for (int i = 0; i < 40; ++i) {
    auto d = w.Step(sink, {});
    EXPECT_LE(*d, seconds(60));
  }
}

TEST_F(WatcherTest, TooManyRequestsWaitsAtLeastRetryAfter) {
  source_.lists.push_back(Page({}, "10"));
  ErrorDetails details;
  details.http_status = 429;
  details.retry_after = seconds(7);
  source_.watches.push_back({{}, Status(Code::kResourceExhausted, "slow down", details)});
  WatcherOptions options;
  options.backoff.jitter = 0;
  Watcher w(source_, clock_, rng_, options);
  auto sink = rec_.sink();
  w.Step(sink, {});
  EXPECT_EQ(w.Step(sink, {}), seconds(7));
}

TEST_F(WatcherTest, WatchEndingAtOnceWithoutEventsCountsAsAnError) {
  source_.lists.push_back(Page({}, "10"));
  source_.watches.push_back({{}, Status()});
  Watcher w(source_, clock_, rng_);
  auto sink = rec_.sink();
  w.Step(sink, {});
  auto d = w.Step(sink, {});
  EXPECT_GE(*d, milliseconds(800));
  EXPECT_EQ(w.last_error().code(), Code::kUnavailable);
}

TEST_F(WatcherTest, StopRequestedEndsStepping) {
  std::stop_source stop;
  stop.request_stop();
  Watcher w(source_, clock_, rng_);
  EXPECT_EQ(w.Step(rec_.sink(), stop.get_token()), std::nullopt);
  EXPECT_TRUE(source_.list_calls.empty());
}

TEST_F(WatcherTest, DeletionMissedDuringAnOutageIsDeliveredAfterTheRelist) {
  // a and b listed; the watch breaks with Gone; meanwhile b was deleted.
  source_.lists.push_back(Page({Obj("a", "1"), Obj("b", "2")}, "10"));
  source_.watches.push_back({{}, Status(Code::kGone, "compacted")});
  source_.lists.push_back(Page({Obj("a", "1")}, "30"));
  Watcher w(source_, clock_, rng_);
  Cache cache;
  std::vector<std::string> changes;
  auto sink = [&](WatcherEvent e) {
    cache.Apply(e, [&](const CacheChange& c) {
      const char* t = c.type == CacheChange::Type::kAdded     ? "added"
                      : c.type == CacheChange::Type::kUpdated ? "updated"
                                                              : "deleted";
      changes.push_back(std::string(t) + ":" +
                        (*c.new_object)["metadata"]["name"].get<std::string>());
    });
  };
  for (int i = 0; i < 3; ++i) w.Step(sink, {});
  EXPECT_EQ(changes, (std::vector<std::string>{"added:a", "added:b", "deleted:b"}));
  EXPECT_EQ(cache.Size(), 1u);
  EXPECT_EQ(cache.Get({"ns", "b"}), nullptr);
}

}  // namespace
}  // namespace runledger::runtime
