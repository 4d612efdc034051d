#include "vswitch-plugin/agent/mip6d_client.hpp"

#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

namespace roam6::vswitch {
namespace {
constexpr std::chrono::milliseconds max_backoff{5000};
}

using mip6d::LogLevel;
using mip6d::LogRecord;

Mip6dClient::Mip6dClient(boost::asio::io_context& io, std::string socket_path, const mip6d::Logger& log,
                         std::function<void()> on_connected)
    : io_(io),
      socket_path_(std::move(socket_path)),
      log_(log),
      on_connected_(std::move(on_connected)),
      socket_(io),
      retry_(io) {}

Mip6dClient::~Mip6dClient() { *alive_ = false; }

void Mip6dClient::start() { connect(); }

void Mip6dClient::connect() {
  socket_ = boost::asio::local::stream_protocol::socket(io_);
  socket_.async_connect(socket_path_, [this, alive = alive_](const boost::system::error_code& error) {
    if (!*alive) return;
    if (error) {
      LogRecord(log_, LogLevel::debug, "mip6d_connect_failed").kv("socket", socket_path_).kv("error", error.message());
      schedule_reconnect();
      return;
    }
    connected_ = true;
    ++connects_;
    backoff_ = std::chrono::milliseconds(100);
    LogRecord(log_, LogLevel::info, "mip6d_connected").kv("socket", socket_path_);
    read();
    on_connected_();
  });
}

void Mip6dClient::schedule_reconnect() {
  retry_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, max_backoff);
  retry_.async_wait([this, alive = alive_](const boost::system::error_code& error) {
    if (*alive && !error) connect();
  });
}

void Mip6dClient::call(const std::string& command, nlohmann::json args, Reply reply) {
  if (!connected_) {
    boost::asio::post(io_, [reply = std::move(reply)] {
      reply(Mip6dReply{false, {}, "disconnected", "not connected to mip6d"});
    });
    return;
  }
  const std::int64_t id = next_id_++;
  nlohmann::json request{{"id", id}, {"command", command}, {"args", std::move(args)}};
  auto line = std::make_shared<std::string>(request.dump() + "\n");
  pending_.emplace_back(id, std::move(reply));
  boost::asio::async_write(socket_, boost::asio::buffer(*line),
                           [this, line, alive = alive_](const boost::system::error_code& error, std::size_t) {
                             if (*alive && error) drop("write: " + error.message());
                           });
}

void Mip6dClient::read() {
  boost::asio::async_read_until(
      socket_, input_, '\n', [this, alive = alive_](const boost::system::error_code& error, std::size_t n) {
        if (!*alive || !connected_) return;
        if (error) {
          drop(error == boost::asio::error::eof ? "mip6d closed the connection" : error.message());
          return;
        }
        std::string line(boost::asio::buffers_begin(input_.data()),
                         boost::asio::buffers_begin(input_.data()) + static_cast<std::ptrdiff_t>(n));
        input_.consume(n);
        nlohmann::json reply = nlohmann::json::parse(line, nullptr, false);
        // mip6d answers in order: the reply is for the oldest request.
        if (reply.is_discarded() || !reply.is_object() || pending_.empty() || !reply.contains("id") ||
            reply["id"] != pending_.front().first) {
          drop("a reply that breaks the protocol: " + line.substr(0, 200));
          return;
        }
        Reply callback = std::move(pending_.front().second);
        pending_.pop_front();
        Mip6dReply out;
        out.ok = reply.value("ok", false);
        if (out.ok) {
          out.result = reply.value("result", nlohmann::json::object());
        } else if (reply.contains("error") && reply["error"].is_object()) {
          out.code = reply["error"].value("code", "");
          out.message = reply["error"].value("message", "");
        }
        read();
        callback(out);
      });
}

void Mip6dClient::fail_all(const std::string& why) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, reply] : pending) reply(Mip6dReply{false, {}, "disconnected", why});
}

void Mip6dClient::drop(const std::string& why) {
  if (!connected_) return;
  connected_ = false;
  boost::system::error_code ignored;
  socket_.close(ignored);
  input_.consume(input_.size());
  LogRecord(log_, LogLevel::warning, "mip6d_disconnected").kv("socket", socket_path_).kv("reason", why);
  fail_all(why);
  schedule_reconnect();
}

}  // namespace roam6::vswitch
