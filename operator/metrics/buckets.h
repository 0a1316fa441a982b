// Histogram bucket layouts.
//
// Thread-safety: pure functions. An invalid argument (count < 1, start <= 0
// or factor <= 1 for exponential, width <= 0 for linear) is a programming
// error and aborts.
#pragma once

#include <vector>

namespace runledger::metrics {

// start, start*factor, ..., start*factor^(count-1).
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// start, start+width, ..., start+width*(count-1).
std::vector<double> LinearBuckets(double start, double width, int count);
// 5 ms .. 10 s, the usual latency layout of the Prometheus clients.
std::vector<double> DefaultBuckets();

}  // namespace runledger::metrics
