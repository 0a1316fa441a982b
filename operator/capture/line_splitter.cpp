#include "capture/line_splitter.h"

#include <algorithm>
#include <utility>

namespace runledger::capture {

LineSplitter::LineSplitter(Hook hook, size_t max_line)
    : hook_(std::move(hook)), max_line_(std::max<size_t>(max_line, 1)) {}

void LineSplitter::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t nl = bytes.find('\n');
    const std::string_view part = bytes.substr(0, nl);
    if (pending_.empty() && !cut_ && nl != std::string_view::npos && part.size() <= max_line_) {
      // The common case: a whole line inside one read; no copy.
      if (hook_) hook_(part, false);
    } else {
      const size_t room = max_line_ - pending_.size();
      if (part.size() > room) cut_ = true;
      pending_.append(part.substr(0, std::min(room, part.size())));
      if (nl != std::string_view::npos) Emit();
    }
    if (nl == std::string_view::npos) return;
    bytes.remove_prefix(nl + 1);
  }
}

void LineSplitter::Finish() {
  if (!pending_.empty() || cut_) Emit();
}

void LineSplitter::Emit() {
  if (hook_) hook_(pending_, cut_);
  pending_.clear();
  cut_ = false;
}

}  // namespace runledger::capture
