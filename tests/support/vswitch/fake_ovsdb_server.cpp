#include "tests/support/vswitch/fake_ovsdb_server.hpp"

#include <array>
#include <deque>
#include <thread>
#include <utility>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "vswitch-plugin/ovsdb/json_stream_splitter.hpp"

namespace roam6::vswitch::testing {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Json = nlohmann::json;
using Protocol = asio::local::stream_protocol;
using ErrorCode = boost::system::error_code;

class FakeOvsdbServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, fs::path path) : io_(io), path_(std::move(path)), acceptor_(io), timer_(io) {}

  struct Chunk {
    std::string bytes;
    std::chrono::microseconds gap_after{0};
  };

  void listen() {
    if (acceptor_.is_open()) return;
    std::error_code ignored;
    fs::remove(path_, ignored);
    acceptor_.open(Protocol());
    acceptor_.bind(Protocol::endpoint(path_.string()));
    acceptor_.listen();
    accept_next();
  }

  void stop_listening() {
    ErrorCode ignored;
    acceptor_.close(ignored);
    std::error_code ignored_fs;
    fs::remove(path_, ignored_fs);
  }

  void shutdown() {
    stop_listening();
    disconnect_client();
    handler_ = {};
  }

  void accept_next() {
    acceptor_.async_accept([self = shared_from_this()](const ErrorCode& error, Protocol::socket socket) {
      if (error) return;
      self->disconnect_client();
      ++self->accepted_;
      self->client_ = std::make_shared<Protocol::socket>(std::move(socket));
      self->splitter_.reset();
      self->read_next(self->client_);
      self->accept_next();
    });
  }

  void disconnect_client() {
    if (client_) {
      ErrorCode ignored;
      client_->close(ignored);
    }
    client_.reset();
    outgoing_.clear();
    writing_ = false;
    timer_.cancel();
  }

  void read_next(const std::shared_ptr<Protocol::socket>& socket) {
    socket->async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this(), socket](const ErrorCode& error, std::size_t count) {
                              if (socket != self->client_) return;
                              if (error) {
                                self->disconnect_client();
                                return;
                              }
                              auto result = self->splitter_.feed(std::string_view(self->buffer_.data(), count));
                              if (!result.error.empty()) {
                                self->garbage_bytes_ += count;
                                self->splitter_.reset();
                              }
                              for (const auto& text : result.messages) {
                                Json message = Json::parse(text, nullptr, false);
                                if (message.is_discarded()) {
                                  self->garbage_bytes_ += text.size();
                                  continue;
                                }
                                self->received_.push_back(message);
                                if (self->handler_) {
                                  auto handler = self->handler_;
                                  handler(*self->owner_, message);
                                }
                                if (socket != self->client_) return;
                              }
                              self->read_next(socket);
                            });
  }

  void enqueue(std::string bytes, std::size_t chunk, std::chrono::microseconds gap) {
    if (!client_) return;
    if (chunk == 0) chunk = bytes.size();
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
      outgoing_.push_back({bytes.substr(at, chunk), gap});
    }
    write_next();
  }

  void write_next() {
    if (writing_ || outgoing_.empty() || !client_) return;
    writing_ = true;
    auto socket = client_;
    asio::async_write(*socket, asio::buffer(outgoing_.front().bytes),
                      [self = shared_from_this(), socket](const ErrorCode& error, std::size_t) {
                        if (socket != self->client_) return;
                        if (error) {
                          self->disconnect_client();
                          return;
                        }
                        const auto gap = self->outgoing_.front().gap_after;
                        self->outgoing_.pop_front();
                        if (gap.count() == 0) {
                          self->writing_ = false;
                          self->write_next();
                          return;
                        }
                        self->timer_.expires_after(gap);
                        self->timer_.async_wait([self, socket](const ErrorCode& timer_error) {
                          if (timer_error || socket != self->client_) return;
                          self->writing_ = false;
                          self->write_next();
                        });
                      });
  }

  asio::io_context& io_;
  fs::path path_;
  Protocol::acceptor acceptor_;
  asio::steady_timer timer_;
  std::shared_ptr<Protocol::socket> client_;
  roam6::vswitch::ovsdb::JsonStreamSplitter splitter_{64 * 1024 * 1024};
  std::array<char, 4096> buffer_{};
  std::deque<Chunk> outgoing_;
  bool writing_ = false;
  std::vector<Json> received_;
  std::size_t accepted_ = 0;
  std::size_t garbage_bytes_ = 0;
  MessageHandler handler_;
  FakeOvsdbServer* owner_ = nullptr;
};

FakeOvsdbServer::FakeOvsdbServer(asio::io_context& io, fs::path path)
    : impl_(std::make_shared<Impl>(io, std::move(path))) {
  impl_->owner_ = this;
  impl_->listen();
}

FakeOvsdbServer::~FakeOvsdbServer() { impl_->shutdown(); }

void FakeOvsdbServer::on_message(MessageHandler handler) { impl_->handler_ = std::move(handler); }
void FakeOvsdbServer::send(const Json& message) { impl_->enqueue(message.dump(), 0, {}); }
void FakeOvsdbServer::send_raw(std::string bytes, std::size_t chunk, std::chrono::microseconds gap) {
  impl_->enqueue(std::move(bytes), chunk, gap);
}
void FakeOvsdbServer::reply(const Json& id, const Json& result) {
  send(Json{{"id", id}, {"result", result}, {"error", nullptr}});
}
void FakeOvsdbServer::reply_error(const Json& id, const Json& error) {
  send(Json{{"id", id}, {"result", nullptr}, {"error", error}});
}
void FakeOvsdbServer::disconnect_client() { impl_->disconnect_client(); }
void FakeOvsdbServer::stop_listening() { impl_->stop_listening(); }
void FakeOvsdbServer::listen() { impl_->listen(); }
const std::vector<Json>& FakeOvsdbServer::received() const { return impl_->received_; }
std::vector<Json> FakeOvsdbServer::received_requests(const std::string& method) const {
  std::vector<Json> found;
  for (const auto& message : impl_->received_) {
    if (message.is_object() && message.value("method", "") == method) found.push_back(message);
  }
  return found;
}
std::size_t FakeOvsdbServer::accepted() const { return impl_->accepted_; }
bool FakeOvsdbServer::client_connected() const { return impl_->client_ != nullptr; }
std::size_t FakeOvsdbServer::garbage_bytes() const { return impl_->garbage_bytes_; }
const fs::path& FakeOvsdbServer::path() const { return impl_->path_; }

bool run_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    if (io.run_one_for(std::chrono::milliseconds(10)) == 0 && io.stopped()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // nothing to run yet
    }
  }
  return true;
}

void run_for(asio::io_context& io, std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    if (io.run_one_until(deadline) == 0 && io.stopped()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace roam6::vswitch::testing
