#pragma once
// Helpers for the control-socket tests: a private temporary directory for
// socket files, a blocking POSIX client with a receive timeout (so a broken
// server fails a test instead of hanging it), and a loop driver that runs the
// server's io_context on the test thread until a condition holds.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <stdexcept>
#include <string>

namespace roam6::mip6d::control::testing {

// Short, so socket paths stay under sun_path's 108 bytes.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/roam6-ctl-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline sockaddr_un unix_address(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  return address;
}

// Runs `io` on this thread until `done()` or `limit` passes; returns done().
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(2));
    if (io.stopped()) io.restart();
  }
  return done();
}

// Runs `fn` on another thread while this one drives `io`; returns its value.
template <typename Fn>
auto run_beside(boost::asio::io_context& io, Fn fn) {
  auto future = std::async(std::launch::async, std::move(fn));
  const bool finished = run_until(io, [&] {
    return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  });
  if (!finished) throw std::runtime_error("client thread did not finish in time");
  return future.get();
}

// A blocking unix-socket client; every read gives up after 5 s.
class TestClient {
 public:
  explicit TestClient(const std::filesystem::path& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const auto address = unix_address(path);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      const int error = errno;
      ::close(fd_);
      throw std::runtime_error(std::string("connect failed: ") + std::strerror(error));
    }
  }
  ~TestClient() { ::close(fd_); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  void send(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const auto n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      sent += static_cast<std::size_t>(n);
    }
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  // The next line without its newline; "<eof>" when the server hung up,
  // "<reset>" when it hung up leaving our data unread, "<timeout>" after 5 s
  // of silence.
  std::string read_line() {
    while (true) {
      if (const auto end = buffer_.find('\n'); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        return line;
      }
      char chunk[4096];
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n == 0) return "<eof>";
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return "<timeout>";
      if (n < 0) return errno == ECONNRESET ? "<reset>" : "<error>";
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Sends one line and reads one.
  std::string ask(const std::string& line) {
    send(line + "\n");
    return read_line();
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace roam6::mip6d::control::testing
