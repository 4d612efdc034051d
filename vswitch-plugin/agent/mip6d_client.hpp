#pragma once
// roam6-vswitchd's connection to mip6d's control socket
// (docs/control-protocol.md): newline-delimited JSON requests, answered in
// order. It reconnects by itself with backoff; every request in flight when
// the connection drops is answered with the code "disconnected", and
// `on_connected` runs after each (re)connection so that the plugin can tell
// mip6d everything again (mip6d may have restarted and forgotten it).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <nlohmann/json.hpp>

#include "mip6d/runtime/log.hpp"

namespace roam6::vswitch {

struct Mip6dReply {
  bool ok = false;
  nlohmann::json result;  // when ok
  std::string code;       // when not: the protocol's error code, or "disconnected"
  std::string message;
};

class Mip6dClient {
 public:
  using Reply = std::function<void(const Mip6dReply&)>;

  Mip6dClient(boost::asio::io_context& io, std::string socket_path, const mip6d::Logger& log,
              std::function<void()> on_connected);
  ~Mip6dClient();
  Mip6dClient(const Mip6dClient&) = delete;
  Mip6dClient& operator=(const Mip6dClient&) = delete;

  void start();
  // Sends at once when connected; otherwise answers "disconnected" (from the
  // event loop, never from inside this call).
  void call(const std::string& command, nlohmann::json args, Reply reply);

  [[nodiscard]] bool connected() const noexcept { return connected_; }
  [[nodiscard]] std::uint64_t connects() const noexcept { return connects_; }

 private:
  void connect();
  void schedule_reconnect();
  void read();
  void fail_all(const std::string& why);
  void drop(const std::string& why);

  boost::asio::io_context& io_;
  std::string socket_path_;
  const mip6d::Logger& log_;
  std::function<void()> on_connected_;
  boost::asio::local::stream_protocol::socket socket_;
  boost::asio::steady_timer retry_;
  boost::asio::streambuf input_;
  std::deque<std::pair<std::int64_t, Reply>> pending_;
  std::int64_t next_id_ = 1;
  bool connected_ = false;
  std::chrono::milliseconds backoff_{100};
  std::uint64_t connects_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace roam6::vswitch
