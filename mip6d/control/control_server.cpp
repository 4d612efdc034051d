#include "mip6d/control/control_server.hpp"

#include <sys/stat.h>

#include <chrono>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "mip6d/control/control_error.hpp"
#include "mip6d/control/control_protocol.hpp"
#include "mip6d/control/request_dispatch.hpp"
#include "mip6d/control/socket_path.hpp"

namespace roam6::mip6d::control {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Protocol = asio::local::stream_protocol;
using ErrorCode = boost::system::error_code;

namespace {
// After a failed accept (typically EMFILE), wait before trying again so the
// loop does not spin while the condition lasts.
constexpr auto accept_retry_delay = std::chrono::milliseconds(100);
}  // namespace

class ControlServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, fs::path path, CommandHandler& handler, Log log)
      : path_(std::move(path)), handler_(handler), log_(std::move(log)),
        acceptor_(io), retry_timer_(io) {}

  void start();
  void stop();
  [[nodiscard]] const fs::path& path() const noexcept { return path_; }
  [[nodiscard]] std::size_t connection_count() const noexcept { return connections_.size(); }

 private:
  class Connection;

  void accept_next();
  void forget(const std::shared_ptr<Connection>& connection) { connections_.erase(connection); }
  void log(const std::string& message) const {
    if (log_) log_(message);
  }

  fs::path path_;
  CommandHandler& handler_;
  Log log_;
  Protocol::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::set<std::shared_ptr<Connection>> connections_;
  bool started_ = false;
  bool stopped_ = false;
  // Identity of the socket file we bound, so stop() never removes a file a
  // later daemon put in its place.
  dev_t bound_device_ = 0;
  ino_t bound_inode_ = 0;
};

// One client. Requests are answered strictly in order: the next line is read
// only after the previous reply is written, which also bounds what one
// client can make the daemon buffer.
class ControlServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Impl> server, Protocol::socket socket)
      : server_(std::move(server)), socket_(std::move(socket)) {}

  void start() { read_next(); }

  void close() {
    ErrorCode ignored;
    socket_.shutdown(Protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void read_next() {
    // One more byte than the longest line, for its newline.
    asio::async_read_until(socket_, asio::dynamic_buffer(input_, max_request_line_bytes + 1), '\n',
                           [self = shared_from_this()](ErrorCode ec, std::size_t length) {
                             self->on_read(ec, length);
                           });
  }

  void on_read(ErrorCode ec, std::size_t length) {
    if (server_->stopped_) return;
    if (!ec) {
      const std::string line = input_.substr(0, length - 1);
      input_.erase(0, length);
      answer(line, /*then_close=*/false);
    } else if (ec == asio::error::not_found) {
      // The buffer is full and holds no newline: the line is over the cap.
      // We cannot find where the next request starts, so answer and hang up.
      input_.clear();
      send(encode_error_reply(nullptr, error_code::bad_request,
                              "request line longer than " +
                                  std::to_string(max_request_line_bytes) + " bytes"),
           /*then_close=*/true);
    } else if (ec == asio::error::eof && !input_.empty()) {
      // The client half-closed after a last request without its newline.
      const std::string line = std::move(input_);
      input_.clear();
      answer(line, /*then_close=*/true);
    } else {
      finish();
    }
  }

  void answer(const std::string& line, bool then_close) {
    auto reply = dispatch_line(line, server_->handler_);
    // The handler may have stopped the server (a shutdown command).
    if (server_->stopped_) return;
    if (reply) {
      send(std::move(*reply), then_close);
    } else if (then_close) {
      finish();
    } else {
      read_next();
    }
  }

  void send(std::string reply, bool then_close) {
    output_ = std::move(reply);
    asio::async_write(socket_, asio::buffer(output_),
                      [self = shared_from_this(), then_close](ErrorCode ec, std::size_t) {
                        if (self->server_->stopped_) return;
                        if (ec || then_close) {
                          self->finish();
                        } else {
                          self->read_next();
                        }
                      });
  }

  void finish() {
    close();
    server_->forget(shared_from_this());
  }

  std::shared_ptr<Impl> server_;
  Protocol::socket socket_;
  std::string input_;
  std::string output_;
};

void ControlServer::Impl::start() {
  if (started_) throw std::logic_error("ControlServer::start called twice");
  started_ = true;
  prepare_socket_path(path_);

  bool bound = false;
  const auto fail = [this, &bound](const char* what, const ErrorCode& ec) {
    ErrorCode ignored;
    acceptor_.close(ignored);
    if (bound) {
      std::error_code fs_ignored;
      fs::remove(path_, fs_ignored);
    }
    return std::runtime_error(std::string("cannot ") + what + " control socket " + path_.string() +
                              ": " + ec.message());
  };
  ErrorCode ec;
  acceptor_.open(Protocol(), ec);
  if (ec) throw fail("open", ec);
  acceptor_.bind(Protocol::endpoint(path_.string()), ec);
  if (ec) throw fail("bind", ec);
  bound = true;
  // Before listen(), so no client can connect while the mode is still the
  // umask's.
  std::error_code fs_ec;
  fs::permissions(path_,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                      fs::perms::group_write,
                  fs::perm_options::replace, fs_ec);
  if (fs_ec) throw fail("set the mode of", ErrorCode(fs_ec.value(), boost::system::system_category()));
  struct stat bound_file {};
  if (::lstat(path_.c_str(), &bound_file) == 0) {
    bound_device_ = bound_file.st_dev;
    bound_inode_ = bound_file.st_ino;
  }
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw fail("listen on", ec);
  accept_next();
}

void ControlServer::Impl::accept_next() {
  acceptor_.async_accept([self = shared_from_this()](ErrorCode ec, Protocol::socket socket) {
    if (self->stopped_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      self->log("control socket " + self->path_.string() + ": accept failed: " + ec.message());
      self->retry_timer_.expires_after(accept_retry_delay);
      self->retry_timer_.async_wait([self](ErrorCode wait_ec) {
        if (!wait_ec && !self->stopped_) self->accept_next();
      });
      return;
    }
    auto connection = std::make_shared<Connection>(self, std::move(socket));
    self->connections_.insert(connection);
    connection->start();
    self->accept_next();
  });
}

void ControlServer::Impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  ErrorCode ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  for (const auto& connection : connections_) connection->close();
  connections_.clear();  // breaks the Connection -> Impl -> Connection cycle
  if (bound_inode_ != 0) {
    struct stat current {};
    if (::lstat(path_.c_str(), &current) == 0 && current.st_dev == bound_device_ &&
        current.st_ino == bound_inode_) {
      std::error_code fs_ignored;
      fs::remove(path_, fs_ignored);
    }
  }
}

ControlServer::ControlServer(asio::io_context& io, fs::path socket_path, CommandHandler& handler,
                             Log log)
    : impl_(std::make_shared<Impl>(io, std::move(socket_path), handler, std::move(log))) {}

ControlServer::~ControlServer() { impl_->stop(); }

void ControlServer::start() { impl_->start(); }
void ControlServer::stop() { impl_->stop(); }
const fs::path& ControlServer::socket_path() const noexcept { return impl_->path(); }
std::size_t ControlServer::connection_count() const noexcept { return impl_->connection_count(); }

}  // namespace roam6::mip6d::control
