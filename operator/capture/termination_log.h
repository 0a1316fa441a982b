// WriteTerminationMessage hands the summary to the kubelet, which reads the
// container's terminationMessagePath (default /dev/termination-log) when
// the container ends and puts it in the pod status.
//
// `create`: false for the default path, which is written only when it
// already exists (the kubelet creates it; outside Kubernetes nothing is
// left in /dev); true for a path the user named.
//
// Errors: IoError naming the path and the reason; NotFound when the file
// is absent and `create` is false (the caller ignores it).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace runledger::capture {

inline constexpr char kDefaultTerminationLog[] = "/dev/termination-log";

Status WriteTerminationMessage(const std::string& path, std::string_view text, bool create);

}  // namespace runledger::capture
