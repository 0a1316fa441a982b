// Registry and metric families: registration, child lookup, exposition.
#include "metrics/registry.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "metrics/text_format.h"

namespace runledger::metrics {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "runledger metrics: %s\n", what.c_str());
  std::abort();
}

// A callback family: one unlabelled sample computed at scrape time.
class CallbackFamily final : public internal::FamilyBase {
 public:
  CallbackFamily(std::string name, std::string help, std::string type, std::function<double()> fn)
      : FamilyBase(std::move(name), std::move(help), std::move(type), {}), fn_(std::move(fn)) {}

  void Write(std::string* out) const override {
    AppendHeader(out, name_, help_, type_);
    AppendSample(out, name_, {}, {}, {}, {}, fn_());
  }

 private:
  const std::function<double()> fn_;
};

void WriteChild(std::string* out, const std::string& name, const std::vector<std::string>& names,
                const std::vector<std::string>& values, const Counter& c,
                const std::vector<double>&) {
  AppendSample(out, name, names, values, {}, {}, c.Value());
}

void WriteChild(std::string* out, const std::string& name, const std::vector<std::string>& names,
                const std::vector<std::string>& values, const Gauge& g,
                const std::vector<double>&) {
  AppendSample(out, name, names, values, {}, {}, g.Value());
}

void WriteChild(std::string* out, const std::string& name, const std::vector<std::string>& names,
                const std::vector<std::string>& values, const Histogram& h,
                const std::vector<double>& bounds) {
  Histogram::Snapshot s = h.Snap();
  const std::string bucket = name + "_bucket";
  for (size_t i = 0; i < bounds.size(); ++i) {
    AppendSample(out, bucket, names, values, "le", FormatValue(bounds[i]),
                 static_cast<double>(s.cumulative[i]));
  }
  AppendSample(out, bucket, names, values, "le", "+Inf", static_cast<double>(s.count));
  AppendSample(out, name + "_sum", names, values, {}, {}, s.sum);
  AppendSample(out, name + "_count", names, values, {}, {}, static_cast<double>(s.count));
}

template <typename Child>
std::unique_ptr<Child> MakeChild(const std::vector<double>& buckets) {
  if constexpr (std::is_same_v<Child, Histogram>) {
    return std::make_unique<Histogram>(buckets);
  } else {
    return std::make_unique<Child>();
  }
}

void CheckNames(const std::string& name, const std::vector<std::string>& label_names,
                bool histogram) {
  if (!IsValidMetricName(name)) Die("invalid metric name \"" + name + "\"");
  for (const std::string& l : label_names) {
    if (!IsValidLabelName(l)) Die("metric " + name + ": invalid label name \"" + l + "\"");
    if (histogram && l == "le") Die("metric " + name + ": a histogram may not have a label le");
  }
  for (size_t i = 0; i < label_names.size(); ++i) {
    for (size_t j = i + 1; j < label_names.size(); ++j) {
      if (label_names[i] == label_names[j])
        Die("metric " + name + ": label twice: " + label_names[i]);
    }
  }
}

}  // namespace

namespace internal {

FamilyBase::FamilyBase(std::string name, std::string help, std::string type,
                       std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(std::move(type)),
      label_names_(std::move(label_names)) {}

}  // namespace internal

template <typename Child>
MetricFamily<Child>::MetricFamily(std::string name, std::string help, std::string type,
                                  std::vector<std::string> label_names, std::vector<double> buckets)
    : FamilyBase(std::move(name), std::move(help), std::move(type), std::move(label_names)),
      buckets_(std::move(buckets)) {
  // An unlabelled family is one metric: expose it (as 0) from the start.
  if (label_names_.empty())
    children_.emplace(std::vector<std::string>{}, MakeChild<Child>(buckets_));
}

template <typename Child>
Child& MetricFamily<Child>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    Die("metric " + name_ + ": " + std::to_string(values.size()) + " label values for " +
        std::to_string(label_names_.size()) + " labels");
  }
  MutexLock l(mu_);
  auto it = children_.find(values);
  if (it == children_.end()) it = children_.emplace(values, MakeChild<Child>(buckets_)).first;
  return *it->second;
}

template <typename Child>
void MetricFamily<Child>::Write(std::string* out) const {
  AppendHeader(out, name_, help_, type_);
  // Children are never removed, so their pointers stay valid after the lock
  // is dropped; copying the keys keeps the lock short.
  std::vector<std::pair<std::vector<std::string>, const Child*>> kids;
  {
    MutexLock l(mu_);
    kids.reserve(children_.size());
    for (const auto& [values, child] : children_) kids.emplace_back(values, child.get());
  }
  for (const auto& [values, child] : kids)
    WriteChild(out, name_, label_names_, values, *child, buckets_);
}

template class MetricFamily<Counter>;
template class MetricFamily<Gauge>;
template class MetricFamily<Histogram>;

internal::FamilyBase& Registry::Add(std::unique_ptr<internal::FamilyBase> f,
                                    const std::function<bool(const internal::FamilyBase&)>& same) {
  MutexLock l(mu_);
  auto it = families_.find(f->name());
  if (it != families_.end()) {
    if (!same(*it->second))
      Die("metric " + f->name() + " registered twice with different definitions");
    return *it->second;
  }
  std::string name = f->name();
  return *families_.emplace(std::move(name), std::move(f)).first->second;
}

CounterFamily& Registry::Counter(std::string name, std::string help,
                                 std::vector<std::string> label_names) {
  CheckNames(name, label_names, false);
  auto f = std::make_unique<CounterFamily>(std::move(name), std::move(help), "counter",
                                           std::move(label_names), std::vector<double>{});
  const CounterFamily* want = f.get();
  auto& got = Add(std::move(f), [&](const internal::FamilyBase& have) {
    return dynamic_cast<const CounterFamily*>(&have) != nullptr &&
           have.label_names() == want->label_names();
  });
  return static_cast<CounterFamily&>(got);
}

GaugeFamily& Registry::Gauge(std::string name, std::string help,
                             std::vector<std::string> label_names) {
  CheckNames(name, label_names, false);
  auto f = std::make_unique<GaugeFamily>(std::move(name), std::move(help), "gauge",
                                         std::move(label_names), std::vector<double>{});
  const GaugeFamily* want = f.get();
  auto& got = Add(std::move(f), [&](const internal::FamilyBase& have) {
    return dynamic_cast<const GaugeFamily*>(&have) != nullptr &&
           have.label_names() == want->label_names();
  });
  return static_cast<GaugeFamily&>(got);
}

HistogramFamily& Registry::Histogram(std::string name, std::string help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> buckets) {
  CheckNames(name, label_names, true);
  if (!buckets.empty() && std::isinf(buckets.back()) && buckets.back() > 0) buckets.pop_back();
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (std::isnan(buckets[i]) || (i > 0 && !(buckets[i - 1] < buckets[i]))) {
      Die("metric " + name + ": histogram buckets must be strictly increasing numbers");
    }
  }
  auto f = std::make_unique<HistogramFamily>(std::move(name), std::move(help), "histogram",
                                             std::move(label_names), std::move(buckets));
  const HistogramFamily* want = f.get();
  auto& got = Add(std::move(f), [&](const internal::FamilyBase& have) {
    auto* h = dynamic_cast<const HistogramFamily*>(&have);
    return h != nullptr && have.label_names() == want->label_names() &&
           h->buckets() == want->buckets();
  });
  return static_cast<HistogramFamily&>(got);
}

void Registry::GaugeCallback(std::string name, std::string help, std::function<double()> fn) {
  CheckNames(name, {}, false);
  Add(std::make_unique<CallbackFamily>(std::move(name), std::move(help), "gauge", std::move(fn)),
      [](const internal::FamilyBase&) { return false; });
}

void Registry::CounterCallback(std::string name, std::string help, std::function<double()> fn) {
  CheckNames(name, {}, false);
  Add(std::make_unique<CallbackFamily>(std::move(name), std::move(help), "counter", std::move(fn)),
      [](const internal::FamilyBase&) { return false; });
}

std::string Registry::Expose() const {
  // Families are never removed: snapshot the pointers, then write without
  // the registry lock so a slow callback does not block registration.
  std::vector<const internal::FamilyBase*> fams;
  {
    MutexLock l(mu_);
    fams.reserve(families_.size());
    for (const auto& [name, f] : families_) fams.push_back(f.get());
  }
  std::string out;
  for (const internal::FamilyBase* f : fams) f->Write(&out);
  return out;
}

}  // namespace runledger::metrics
