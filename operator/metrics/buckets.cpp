// Histogram bucket layouts.
#include "metrics/buckets.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace runledger::metrics {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "runledger metrics: %s\n", what);
  std::abort();
}

}  // namespace

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  if (count < 1 || !(start > 0) || !(factor > 1)) {
    Die("ExponentialBuckets needs count >= 1, start > 0, factor > 1");
  }
  std::vector<double> b;
  b.reserve(count);
  // start * factor^i rather than repeated multiplication, so that error does
  // not accumulate and bounds read as written (0.001, 0.01, 0.1, 1).
  for (int i = 0; i < count; ++i) b.push_back(start * std::pow(factor, i));
  return b;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  if (count < 1 || !(width > 0)) Die("LinearBuckets needs count >= 1, width > 0");
  std::vector<double> b;
  b.reserve(count);
  for (int i = 0; i < count; ++i) b.push_back(start + width * i);
  return b;
}

std::vector<double> DefaultBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace runledger::metrics
