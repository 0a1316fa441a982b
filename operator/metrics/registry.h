// Registry: the set of metric families one /metrics endpoint exposes.
//
//   Registry r;
//   auto& total = r.Counter("controller_runtime_reconcile_total", "Reconciles.",
//                           {"controller", "result"});
//   Counter& ok = total.WithLabels({"trainingrun", "success"});  // cache this
//   ok.Inc();
//   std::string text = r.Expose();  // Prometheus text format 0.0.4
//
// Registering a family whose name is already registered with the same type,
// labels (and buckets) returns the existing family, so two components may
// ask for the same metric. Any other clash, an invalid metric or label name,
// a histogram label "le", or WithLabels with the wrong number of values is a
// programming error: the process aborts with a message naming the metric
// (these happen at start-up or on the first use of a code path, where a test
// finds them).
//
// Families are written sorted by name, children sorted by label values. An
// unlabelled family has its one child from the start, so it is exposed as 0
// before its first update; a labelled family shows only children that were
// asked for.
//
// Thread-safety: every method may be called from any thread at once.
// Lifetime: families and children live as long as the Registry; references
// to them never dangle before it is destroyed. Callbacks are called during
// Expose(), on the caller's thread, without any registry lock held; they
// must not outlive what they capture.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "metrics/metric.h"

namespace runledger::metrics {

namespace internal {

// What the Registry needs from every kind of family.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::string type,
             std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Appends HELP, TYPE and every sample.
  virtual void Write(std::string* out) const = 0;

 protected:
  const std::string name_;
  const std::string help_;
  const std::string type_;
  const std::vector<std::string> label_names_;
};

}  // namespace internal

// A named metric with labels; one child per distinct label-value tuple.
template <typename Child>
class MetricFamily final : public internal::FamilyBase {
 public:
  MetricFamily(std::string name, std::string help, std::string type,
               std::vector<std::string> label_names, std::vector<double> buckets);

  // The child for these label values (one per label name, in order), created
  // on first use. Costs a map lookup under a lock: call it once and keep the
  // reference on hot paths.
  Child& WithLabels(const std::vector<std::string>& values);

  const std::vector<double>& buckets() const { return buckets_; }
  void Write(std::string* out) const override;

 private:
  const std::vector<double> buckets_;  // Histograms only; children point into it.
  mutable Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Child>> children_ GUARDED_BY(mu_);
};

using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily& Counter(std::string name, std::string help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& Gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  // `buckets`: upper bounds, strictly increasing; a trailing +Inf is dropped
  // (it is always there).
  HistogramFamily& Histogram(std::string name, std::string help,
                             std::vector<std::string> label_names, std::vector<double> buckets);

  // An unlabelled gauge (or counter) whose value is `fn()` at each scrape,
  // for values that live elsewhere (cache sizes, memory). A NaN result is
  // exposed as NaN.
  void GaugeCallback(std::string name, std::string help, std::function<double()> fn);
  void CounterCallback(std::string name, std::string help, std::function<double()> fn);

  // The whole registry in the text format (Content-Type: kContentType).
  std::string Expose() const;

 private:
  // Returns the family registered under f's name if it has the same
  // definition (`same` decides), registers f otherwise, aborts on a clash.
  internal::FamilyBase& Add(std::unique_ptr<internal::FamilyBase> f,
                            const std::function<bool(const internal::FamilyBase&)>& same);

  mutable Mutex mu_;
  std::map<std::string, std::unique_ptr<internal::FamilyBase>> families_ GUARDED_BY(mu_);
};

}  // namespace runledger::metrics
