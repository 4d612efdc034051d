#include "vswitch-plugin/ovsdb/json_rpc_connection.hpp"

#include <array>
#include <deque>
#include <utility>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "vswitch-plugin/ovsdb/json_stream_splitter.hpp"

namespace roam6::vswitch::ovsdb {

namespace asio = boost::asio;
using Json = nlohmann::json;
using ErrorCode = boost::system::error_code;

class JsonRpcConnection::Impl {
 public:
  Impl(asio::io_context& io, std::size_t max_message_bytes) : socket(io), splitter(max_message_bytes) {}

  asio::generic::stream_protocol::socket socket;
  JsonStreamSplitter splitter;
  std::array<char, 64 * 1024> read_buffer{};
  std::deque<std::string> write_queue;  // front is being written while writing is true
  bool writing = false;
};

std::shared_ptr<JsonRpcConnection> JsonRpcConnection::create(asio::io_context& io, Endpoint endpoint,
                                                             std::size_t max_message_bytes, Handlers handlers) {
  return std::shared_ptr<JsonRpcConnection>(
      new JsonRpcConnection(io, std::move(endpoint), max_message_bytes, std::move(handlers)));
}

JsonRpcConnection::JsonRpcConnection(asio::io_context& io, Endpoint endpoint, std::size_t max_message_bytes,
                                     Handlers handlers)
    : endpoint_(std::move(endpoint)),
      handlers_(std::move(handlers)),
      impl_(std::make_unique<Impl>(io, max_message_bytes)) {}

JsonRpcConnection::~JsonRpcConnection() = default;

void JsonRpcConnection::open() {
  if (state_ != State::idle) return;
  state_ = State::connecting;
  asio::generic::stream_protocol::endpoint target;
  std::string problem;
  if (endpoint_.kind == Endpoint::Kind::unix_socket) {
    try {
      target = asio::local::stream_protocol::endpoint(endpoint_.path);
    } catch (const boost::system::system_error& error) {
      problem = "bad socket path " + endpoint_.path + ": " + error.code().message();  // e.g. longer than sun_path
    }
  } else {
    ErrorCode error;
    const auto address = asio::ip::make_address(endpoint_.address, error);
    if (error) {
      problem = "bad address " + endpoint_.address;  // Endpoint::parse admits only numeric ones
    } else {
      target = asio::ip::tcp::endpoint(address, endpoint_.port);
    }
  }
  if (!problem.empty()) {
    // Reported like a refused connect, and from the loop: open() never calls back synchronously.
    asio::post(impl_->socket.get_executor(), [self = shared_from_this(), problem] { self->fail(problem); });
    return;
  }
  impl_->socket.async_connect(target, [self = shared_from_this()](const ErrorCode& error) {
    if (self->state_ != State::connecting) return;
    if (error) {
      self->fail("connect to " + self->endpoint_.to_string() + " failed: " + error.message());
      return;
    }
    self->state_ = State::open;
    self->read_next();
    self->write_next();  // requests queued while connecting
    if (self->state_ == State::open && self->handlers_.on_open) self->handlers_.on_open();
  });
}

void JsonRpcConnection::call(std::string_view method, Json params, ReplyHandler on_reply) {
  if (state_ == State::closed) return;
  const auto id = next_id_++;
  pending_.emplace(id, std::move(on_reply));
  send(Json{{"method", method}, {"params", std::move(params)}, {"id", id}});
}

void JsonRpcConnection::close() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  pending_.clear();
  ErrorCode ignored;
  impl_->socket.close(ignored);
}

void JsonRpcConnection::fail(const std::string& reason) {
  if (state_ == State::closed) return;
  close();
  // Moved out first: the handler may drop the last reference to us.
  auto on_close = std::move(handlers_.on_close);
  handlers_ = {};
  if (on_close) on_close(reason);
}

void JsonRpcConnection::read_next() {
  impl_->socket.async_read_some(asio::buffer(impl_->read_buffer),
                                [self = shared_from_this()](const ErrorCode& error, std::size_t count) {
                                  if (self->state_ != State::open) return;
                                  if (error == asio::error::eof) {
                                    self->fail("connection closed by the server");
                                  } else if (error) {
                                    self->fail("read failed: " + error.message());
                                  } else {
                                    self->on_bytes(count);
                                  }
                                });
}

void JsonRpcConnection::on_bytes(std::size_t count) {
  auto result = impl_->splitter.feed(std::string_view(impl_->read_buffer.data(), count));
  // Keep ourselves alive through handlers that may drop the owner's reference.
  auto self = shared_from_this();
  for (const auto& text : result.messages) {
    if (state_ != State::open) return;
    try {
      dispatch(text);
    } catch (const nlohmann::json::exception& error) {
      // A handler met a value of the wrong JSON type: the peer's fault, so
      // the session ends like for any other protocol error.
      fail(std::string("unexpected JSON-RPC content: ") + error.what());
    }
  }
  if (state_ != State::open) return;
  if (!result.error.empty()) {
    fail(result.error);
    return;
  }
  read_next();
}

void JsonRpcConnection::dispatch(const std::string& text) {
  ++messages_received_;
  const Json message = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded() || !message.is_object()) {
    fail("malformed JSON-RPC message (not a JSON object)");
    return;
  }
  const auto method = message.find("method");
  const auto id = message.find("id");
  const bool has_id = id != message.end() && !id->is_null();
  if (method != message.end()) {
    if (!method->is_string()) {
      fail("malformed JSON-RPC message (method is not a string)");
      return;
    }
    const auto params_it = message.find("params");
    const Json params = params_it != message.end() ? *params_it : Json::array();
    if (!has_id) {
      if (handlers_.on_notification) handlers_.on_notification(method->get<std::string>(), params);
      return;
    }
    if (*method == "echo") {
      // RFC 7047 4.1.11: the reply's result is the request's params.
      send(Json{{"id", *id}, {"result", params}, {"error", nullptr}});
      if (handlers_.on_echo_answered) handlers_.on_echo_answered();
      return;
    }
    send(Json{{"id", *id}, {"result", nullptr}, {"error", "unknown method"}});
    return;
  }
  if (!has_id || !id->is_number_unsigned()) return;  // a reply to nothing we sent (e.g. an echo of ours)
  const auto found = pending_.find(id->get<std::uint64_t>());
  if (found == pending_.end()) return;
  auto on_reply = std::move(found->second);
  pending_.erase(found);
  const auto result = message.find("result");
  const auto error = message.find("error");
  const Json null_json;
  on_reply(result != message.end() ? *result : null_json, error != message.end() ? *error : null_json);
}

void JsonRpcConnection::send(const Json& message) {
  impl_->write_queue.push_back(message.dump());
  if (state_ == State::open) write_next();
}

void JsonRpcConnection::write_next() {
  if (impl_->writing || impl_->write_queue.empty() || state_ != State::open) return;
  impl_->writing = true;
  asio::async_write(impl_->socket, asio::buffer(impl_->write_queue.front()),
                    [self = shared_from_this()](const ErrorCode& error, std::size_t) {
                      self->impl_->writing = false;
                      if (self->state_ != State::open) return;
                      if (error) {
                        self->fail("write failed: " + error.message());
                        return;
                      }
                      self->impl_->write_queue.pop_front();
                      self->write_next();
                    });
}

}  // namespace roam6::vswitch::ovsdb
