// The version runledger-capture reports with --version.
#pragma once

namespace runledger::capture {

inline constexpr char kVersion[] = "0.1.0";

}  // namespace runledger::capture
