#pragma once
// A scripted stand-in for ovsdb-server on a unix socket: it sends exactly the
// bytes a test scripts (whole JSON messages, raw fragments, byte by byte) and
// records every message the client sends, so tests can drive the OVSDB
// client through situations a real server rarely produces on demand (split
// and glued messages, oversize messages, missing monitor_cond, echo probes).
// One client at a time; a new connection replaces the old one.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

namespace roam6::vswitch::testing {

class FakeOvsdbServer {
 public:
  using MessageHandler = std::function<void(FakeOvsdbServer&, const nlohmann::json& message)>;

  // Listens at once; an old socket file at `path` is replaced.
  FakeOvsdbServer(boost::asio::io_context& io, std::filesystem::path path);
  // Closes everything and removes the socket file.
  ~FakeOvsdbServer();
  FakeOvsdbServer(const FakeOvsdbServer&) = delete;
  FakeOvsdbServer& operator=(const FakeOvsdbServer&) = delete;

  // Runs for each message received (after it is recorded).
  void on_message(MessageHandler handler);

  void send(const nlohmann::json& message);
  // `bytes` as they are; with chunk > 0, cut into writes of `chunk` bytes
  // separated by `gap`, so the client sees them in separate reads.
  void send_raw(std::string bytes, std::size_t chunk = 0,
                std::chrono::microseconds gap = std::chrono::microseconds(0));
  void reply(const nlohmann::json& id, const nlohmann::json& result);
  void reply_error(const nlohmann::json& id, const nlohmann::json& error);

  // Closes the client's connection (the client sees EOF).
  void disconnect_client();
  // Stops accepting (removes the socket file) / starts again: a server that is down.
  void stop_listening();
  void listen();

  [[nodiscard]] const std::vector<nlohmann::json>& received() const;
  // Received messages whose "method" is `method`.
  [[nodiscard]] std::vector<nlohmann::json> received_requests(const std::string& method) const;
  [[nodiscard]] std::size_t accepted() const;
  [[nodiscard]] bool client_connected() const;
  // Bytes that were not a JSON message (the client must never send any).
  [[nodiscard]] std::size_t garbage_bytes() const;
  [[nodiscard]] const std::filesystem::path& path() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

// Runs `io` until `done()` or `timeout`; true when done() held.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));
// Runs `io` for `duration` (to show that something does NOT happen).
void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration);

}  // namespace roam6::vswitch::testing
