// LineSplitter cuts a byte stream into lines for a per-line hook, e.g. the
// metric-line parser of a later issue, while the bytes themselves are
// passed through elsewhere, unchanged (see stream_pump.h).
//
// A line is the bytes up to and including '\n'; the hook gets it without
// the '\n'. Bytes after the last '\n' are held until more arrive; Finish()
// hands them over as a last line without newline. A line longer than
// `max_line` bytes reaches the hook as its first `max_line` bytes with
// `cut` = true; the rest of that line is skipped (the hook needs bounded
// memory, the passthrough does not).
//
// Thread-safety: none; one stream, one caller.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace runledger::capture {

class LineSplitter {
 public:
  // `line` is valid only during the call. `cut`: the line was longer than
  // max_line and was shortened.
  using Hook = std::function<void(std::string_view line, bool cut)>;

  static constexpr size_t kDefaultMaxLine = 64 * 1024;

  explicit LineSplitter(Hook hook, size_t max_line = kDefaultMaxLine);

  // Feeds the next bytes of the stream (any size, including 0).
  void Feed(std::string_view bytes);
  // End of stream: hands a pending partial line to the hook. Feed after
  // Finish starts a new stream.
  void Finish();

 private:
  void Emit();

  Hook hook_;
  const size_t max_line_;
  std::string pending_;  // the current line so far, at most max_line_ bytes
  bool cut_ = false;     // the current line overflowed max_line_
};

}  // namespace runledger::capture
