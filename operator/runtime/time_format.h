// Timestamps as Kubernetes writes them: metav1.Time ("2026-12-02T12:00:00Z")
// and metav1.MicroTime ("2026-12-02T12:00:00.123456Z"), always UTC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace runledger::runtime {

std::string Rfc3339(Clock::SystemTime t);
std::string Rfc3339Micro(Clock::SystemTime t);
// Parses either form (fractions and a "Z" or "+00:00" suffix); nullopt if malformed.
std::optional<Clock::SystemTime> ParseRfc3339(std::string_view text);

}  // namespace runledger::runtime
