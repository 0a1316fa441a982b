// StreamPump passes one of the child's output pipes through to our own
// stdout or stderr, byte for byte and as soon as bytes arrive, and feeds
// the same bytes to a LineSplitter whose hook sees each line.
//
// Each read is written out whole before the next read, so a line the child
// wrote in one write() reaches the output in one piece, and bytes within a
// stream are never reordered. Nothing is held back waiting for a newline:
// a progress bar ending in '\r' or a last line without '\n' appears at
// once. When the output fails (EPIPE: nobody reads our stdout), the pump
// keeps reading and discarding, so the child never blocks on a full pipe.
//
// Thread-safety: none. Ownership: owns `in_fd` (closed at EOF or in the
// destructor); does not own `out_fd`. `out_fd` -1: no passthrough, the
// bytes only reach the splitter (the probe process's results).
#pragma once

#include <string_view>

#include "capture/line_splitter.h"

namespace runledger::capture {

class StreamPump {
 public:
  // `max_line`: the longest line the hook gets whole (see LineSplitter).
  StreamPump(int in_fd, int out_fd, LineSplitter::Hook hook,
             size_t max_line = LineSplitter::kDefaultMaxLine);
  ~StreamPump();
  StreamPump(const StreamPump&) = delete;
  StreamPump& operator=(const StreamPump&) = delete;

  // The pipe to poll for POLLIN, or -1 once it reached EOF.
  int fd() const { return in_fd_; }
  bool open() const { return in_fd_ >= 0; }

  // Call when poll() reports the pipe readable (or hung up). Reads once
  // (up to 64 KiB), writes it all to the output and to the splitter. At
  // EOF or a read error it closes the pipe and finishes the splitter.
  void OnReadable();

  // Stops reading (e.g. a grandchild holds the pipe open after the child
  // exited): closes the pipe and finishes the splitter.
  void Close();

 private:
  void WriteOut(std::string_view bytes);

  int in_fd_;
  const int out_fd_;
  bool out_failed_ = false;
  LineSplitter splitter_;
};

}  // namespace runledger::capture
