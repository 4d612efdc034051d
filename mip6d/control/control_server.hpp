#pragma once
// The daemon's end of the control socket (docs/control-protocol.md): a unix
// stream socket on the daemon's event loop that reads one JSON request per
// line from any number of clients, hands it to a CommandHandler, and writes
// one JSON reply per line. No input, however malformed, stops the server; a
// handler that throws something other than ControlError earns the client an
// "internal" error reply and the daemon carries on.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "mip6d/control/command_handler.hpp"

namespace roam6::mip6d::control {

class ControlServer {
 public:
  // Optional sink for one-line operator messages (accept failures, ...).
  using Log = std::function<void(const std::string&)>;

  // Nothing is opened until start(). `handler` must outlive the server.
  ControlServer(boost::asio::io_context& io, std::filesystem::path socket_path,
                CommandHandler& handler, Log log = {});
  // Stops (see stop()).
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Creates the socket's parent directory if needed, replaces a stale socket
  // file (one nobody answers on), binds with mode 0660 and starts accepting.
  // Throws std::runtime_error naming the path and the cause when another
  // process answers on the socket, when the path is something other than a
  // socket, or when the socket cannot be made.
  void start();

  // Closes the listener and every connection and removes the socket file if
  // it is still the one start() made. Idempotent. Requests in flight get no
  // reply; the handler is not called again.
  void stop();

  [[nodiscard]] const std::filesystem::path& socket_path() const noexcept;
  [[nodiscard]] std::size_t connection_count() const noexcept;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared with pending handlers, which may outlive *this
};

}  // namespace roam6::mip6d::control
