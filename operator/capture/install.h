// InstallSelf copies the running executable to `dest` (mode 0755): the
// init container's `runledger-capture --install /runledger/bin/runledger-capture`
// puts the binary into the emptyDir the trainer runs it from.
//
// The copy is written next to `dest` and renamed over it, so a trainer
// never sees half a binary. The source is /proc/self/exe, else `argv0`
// when /proc is not mounted.
//
// Errors: IoError naming the file and the reason.
#pragma once

#include <string>

#include "base/status.h"

namespace runledger::capture {

Status InstallSelf(const std::string& dest, const std::string& argv0);

}  // namespace runledger::capture
