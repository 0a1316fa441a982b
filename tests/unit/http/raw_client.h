// RawClient: a blocking loopback HTTP/1.1 client over a plain socket, so the
// server tests control every byte and every pause. Every read has a deadline.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace runledger::http::testing {

class RawClient {
 public:
  using Clock = std::chrono::steady_clock;

  struct Reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // Names in lower case.
    std::string body;
    std::string Header(const std::string& lower_name) const {
      auto it = headers.find(lower_name);
      return it == headers.end() ? "" : it->second;
    }
  };

  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  // False when the server has closed or reset the connection.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(n);
    }
    return true;
  }

  // One response (a 1xx has no body); nullopt on close, reset or timeout.
  // A chunked body is decoded.
  std::optional<Reply> Read(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = Clock::now() + timeout;
    std::optional<Reply> r = ReadHeadUntil(deadline);
    if (!r || r->status < 200 || expect_no_body_) return r;
    if (r->Header("transfer-encoding") == "chunked") {
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) {
          if (!Fill(deadline)) return std::nullopt;
        }
        size_t size = std::strtoul(buf_.c_str(), nullptr, 16);
        buf_.erase(0, eol + 2);
        std::optional<std::string> data = TakeUntil(size + 2, deadline);  // With its CRLF.
        if (!data) return std::nullopt;
        if (size == 0) return r;  // No trailers from our server.
        r->body.append(*data, 0, size);
      }
    }
    size_t length = std::strtoul(r->Header("content-length").c_str(), nullptr, 10);
    std::optional<std::string> body = TakeUntil(length, deadline);
    if (!body) return std::nullopt;
    r->body = std::move(*body);
    return r;
  }

  // The status line and headers only; the body stays to be read with
  // ReadBytes.
  std::optional<Reply> ReadHead(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return ReadHeadUntil(Clock::now() + timeout);
  }

  // Exactly `n` bytes; nullopt on close or timeout.
  std::optional<std::string> ReadBytes(
      size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return TakeUntil(n, Clock::now() + timeout);
  }

  int fd() const { return fd_; }

  // For HEAD: the next Read takes no body whatever Content-Length says.
  void ExpectNoBody(bool v) { expect_no_body_ = v; }

  // True when the server closes (EOF or reset) within `timeout`; data that
  // arrives meanwhile is kept for Read.
  bool WaitClosed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Fill(deadline)) {
    }
    return closed_;
  }

  bool closed() const { return closed_; }
  const std::string& buffered() const { return buf_; }

 private:
  std::optional<std::string> TakeUntil(size_t n, Clock::time_point deadline) {
    while (buf_.size() < n) {
      if (!Fill(deadline)) return std::nullopt;
    }
    std::string out = buf_.substr(0, n);
    buf_.erase(0, n);
    return out;
  }

  std::optional<Reply> ReadHeadUntil(Clock::time_point deadline) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return std::nullopt;
    }
    Reply r;
    std::string head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    size_t eol = head.find("\r\n");
    std::string status_line = head.substr(0, eol);  // "HTTP/1.1 200 OK"
    if (status_line.size() < 12) return std::nullopt;
    r.status = std::atoi(status_line.c_str() + 9);
    for (size_t pos = eol + 2; pos < head.size();) {
      size_t next = head.find("\r\n", pos);
      std::string line = head.substr(pos, next - pos);
      pos = next + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      r.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    return r;
  }

  // Receives some bytes before `deadline`; false on close, error or timeout.
  bool Fill(Clock::time_point deadline) {
    if (closed_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char tmp[8192];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buf_.append(tmp, n);
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  bool expect_no_body_ = false;
  std::string buf_;
};

inline std::string Get(std::string_view path, std::string_view extra_headers = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra_headers) +
         "\r\n";
}

inline std::string Post(std::string_view path, std::string_view body) {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

}  // namespace runledger::http::testing
