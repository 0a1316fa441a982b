// The tracking URI given to training pods (--tracking-uri), with its host
// resolved to a numeric address.
//
// runledger-capture is one static binary and cannot look host names up, so
// it accepts only http://<numeric address>:<port>[/<path>]. An operator
// deployed by the chart is configured with its Service's DNS name
// (http://runledger.runledger-system.svc:5000); the operator resolves that
// name once, at start, and injects the address. A ClusterIP stays the same
// for the life of its Service, so one lookup holds until the next restart.
//
// Thread-safety: plain functions; `lookup` is called on the caller's thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger::app {

// Returns the numeric address of `host`, IPv4 preferred; Unavailable with
// the resolver's reason otherwise.
using HostLookup = std::function<Result<std::string>(const std::string& host)>;

// The system resolver (getaddrinfo).
Result<std::string> LookUpHost(const std::string& host);

// `uri` with its host replaced by lookup(host): http only, the port made
// explicit (80 when absent), the path kept; an IPv6 answer is bracketed. A
// numeric host is returned as it is without calling `lookup`; "" stays "".
// InvalidArgument naming the setting for a URI that SplitHttpUri refuses
// (base/http_uri.h, the rules capture splits by too); a failed lookup keeps
// its code, with the setting and URI in its message.
Result<std::string> NumericTrackingUri(std::string_view uri, const HostLookup& lookup);

// NumericTrackingUri, retrying a failed lookup every second until `patience`
// has passed (a Service's DNS record can trail the Service by a few seconds).
Result<std::string> ResolveTrackingUri(std::string_view uri, std::chrono::seconds patience,
                                       const HostLookup& lookup = LookUpHost);

}  // namespace runledger::app
