#pragma once
// One JSON-RPC 1.0 session with ovsdb-server (RFC 7047 section 4) on the
// event loop: our requests carry integer ids and their replies find their
// callback by id; the server's notifications go to one handler; its "echo"
// requests are answered here, because ovsdb-server drops a client that lets
// an echo go unanswered and no caller should have to remember that.
//
// Every failure (connect refused, EOF, read/write error, a message over the
// size cap, bytes that are not JSON-RPC) ends the session with one on_close
// call naming the reason; reconnecting is the owner's job. Handlers run on
// the io_context thread. After close() no handler runs again, so an owner may
// close and forget the connection from inside any of its handlers; pending
// asynchronous operations keep the object alive until they complete.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "vswitch-plugin/ovsdb/endpoint.hpp"

namespace roam6::vswitch::ovsdb {

class JsonRpcConnection : public std::enable_shared_from_this<JsonRpcConnection> {
 public:
  struct Handlers {
    std::function<void()> on_open;
    std::function<void(const std::string& method, const nlohmann::json& params)> on_notification;
    std::function<void()> on_echo_answered;
    std::function<void(const std::string& reason)> on_close;
  };
  // `error` is null on success (RFC 7047 4.1: exactly one of result/error is non-null).
  using ReplyHandler = std::function<void(const nlohmann::json& result, const nlohmann::json& error)>;

  static std::shared_ptr<JsonRpcConnection> create(boost::asio::io_context& io, Endpoint endpoint,
                                                   std::size_t max_message_bytes, Handlers handlers);
  ~JsonRpcConnection();
  JsonRpcConnection(const JsonRpcConnection&) = delete;
  JsonRpcConnection& operator=(const JsonRpcConnection&) = delete;

  // Starts connecting; on_open or on_close follows.
  void open();
  // Queues a request; `on_reply` runs when its reply arrives (never if the
  // session ends first). Requests made before on_open are sent once open.
  void call(std::string_view method, nlohmann::json params, ReplyHandler on_reply);
  // Ends the session without calling on_close. Idempotent.
  void close();

  [[nodiscard]] bool is_open() const noexcept { return state_ == State::open; }
  // Complete messages received so far (liveness checks compare two readings).
  [[nodiscard]] std::uint64_t messages_received() const noexcept { return messages_received_; }
  [[nodiscard]] const Endpoint& endpoint() const noexcept { return endpoint_; }

 private:
  class Impl;
  enum class State { idle, connecting, open, closed };

  JsonRpcConnection(boost::asio::io_context& io, Endpoint endpoint, std::size_t max_message_bytes,
                    Handlers handlers);

  void read_next();
  void on_bytes(std::size_t count);
  void dispatch(const std::string& text);
  void send(const nlohmann::json& message);
  void write_next();
  void fail(const std::string& reason);

  Endpoint endpoint_;
  Handlers handlers_;
  std::unique_ptr<Impl> impl_;
  State state_ = State::idle;
  std::uint64_t next_id_ = 1;
  std::uint64_t messages_received_ = 0;
  std::map<std::uint64_t, ReplyHandler> pending_;
};

}  // namespace roam6::vswitch::ovsdb
