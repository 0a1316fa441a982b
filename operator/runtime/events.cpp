#include "runtime/events.h"

#include <cstdio>

#include "kube/json_fields.h"
#include "runtime/time_format.h"

namespace runledger::runtime {

using nlohmann::json;

EventRecorder::EventRecorder(kube::Client& client, const Clock& clock, EventOptions options)
    : client_(client), clock_(clock), options_(std::move(options)), log_("events") {}

void EventRecorder::Emit(const json& regarding, EventType type, const std::string& action,
                         const std::string& reason, const std::string& note) {
  const json& meta = kube::ObjectField(regarding, "metadata");
  const std::string ns = kube::StringField(meta, "namespace");
  const std::string name = kube::StringField(meta, "name");
  const std::string uid = kube::StringField(meta, "uid");
  const std::string type_name = type == EventType::kNormal ? "Normal" : "Warning";
  const std::string key = uid + "\n" + type_name + "\n" + reason + "\n" + note;
  const auto now = clock_.SteadyNow();

  std::string event_name;
  int64_t count = 0;
  {
    MutexLock lock(mu_);
    auto it = seen_.find(key);
    if (it != seen_.end() && now - it->second.first < options_.window) {
      Seen& s = it->second;
      ++s.count;
      if (now - s.last_written < options_.series_interval) return;
      s.last_written = now;
      event_name = s.event_name;
      count = s.count;
    } else {
      if (seen_.size() >= options_.max_tracked) {
        // Forget the entry seen longest ago.
        auto oldest = seen_.begin();
        for (auto i = seen_.begin(); i != seen_.end(); ++i) {
          if (i->second.first < oldest->second.first) oldest = i;
        }
        seen_.erase(oldest);
      }
      char suffix[20];
      std::snprintf(suffix, sizeof suffix, ".%llx",
                    static_cast<unsigned long long>(clock_.SystemNow().time_since_epoch().count() +
                                                    (sequence_++)));
      event_name = name + suffix;
      seen_[key] = Seen{event_name, ns, 1, now, now};
    }
  }

  const std::string event_time = Rfc3339Micro(clock_.SystemNow());
  if (count > 1) {
    json patch = {{"series", {{"count", count}, {"lastObservedTime", event_time}}}};
    Status s =
        client_.Patch(kube::resources::kEvents, ns, event_name, kube::PatchType::kMerge, patch)
            .status();
    if (!s.ok())
      log_.Warn("could not update event series: " + s.ToString(), {{"event", event_name}});
    return;
  }
  json event = {{"apiVersion", "events.k8s.io/v1"},
                {"kind", "Event"},
                {"metadata", {{"name", event_name}, {"namespace", ns}}},
                {"eventTime", event_time},
                {"reportingController", options_.reporting_controller},
                {"reportingInstance", options_.reporting_instance},
                {"action", action},
                {"reason", reason},
                {"type", type_name},
                {"note", note.substr(0, 1024)},
                {"regarding",
                 {{"apiVersion", kube::StringField(regarding, "apiVersion")},
                  {"kind", kube::StringField(regarding, "kind")},
                  {"namespace", ns},
                  {"name", name},
                  {"uid", uid},
                  {"resourceVersion", kube::StringField(meta, "resourceVersion")}}}};
  Status s = client_.Create(kube::resources::kEvents, ns, event).status();
  if (!s.ok()) log_.Warn("could not record event: " + s.ToString(), {{"reason", reason}});
}

}  // namespace runledger::runtime
