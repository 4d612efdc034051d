#include "mip6d/control/socket_path.hpp"

#include <stdexcept>
#include <string>
#include <system_error>

#include <sys/un.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

namespace roam6::mip6d::control {

namespace fs = std::filesystem;

bool socket_is_answered(const fs::path& path) {
  boost::asio::io_context io;
  boost::asio::local::stream_protocol::socket probe(io);
  boost::system::error_code ec;
  probe.open(boost::asio::local::stream_protocol(), ec);
  // Non-blocking: a listener with a full backlog makes a blocking connect
  // wait; "would block" means someone is there all the same.
  if (!ec) probe.non_blocking(true, ec);
  if (ec) throw std::runtime_error("cannot probe control socket " + path.string() + ": " + ec.message());
  probe.connect(boost::asio::local::stream_protocol::endpoint(path.string()), ec);
  if (!ec || ec == boost::asio::error::would_block || ec == boost::asio::error::try_again ||
      ec == boost::asio::error::in_progress) {
    return true;
  }
  if (ec == boost::asio::error::connection_refused || ec == boost::asio::error::not_found ||
      ec == boost::system::errc::no_such_file_or_directory) {
    return false;
  }
  // EACCES and the like: we cannot tell, so we must not delete it.
  throw std::runtime_error("cannot probe control socket " + path.string() + ": " + ec.message());
}

void prepare_socket_path(const fs::path& path) {
  // sockaddr_un::sun_path, less its terminating NUL.
  constexpr std::size_t longest = sizeof(sockaddr_un::sun_path) - 1;
  if (path.empty()) throw std::runtime_error("control socket path is empty");
  if (path.native().size() > longest) {
    throw std::runtime_error("control socket path " + path.string() + " is too long (" +
                             std::to_string(path.native().size()) + " bytes; at most " +
                             std::to_string(longest) + ")");
  }

  std::error_code ec;
  if (const auto parent = path.parent_path(); !parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) {
      throw std::runtime_error("cannot create directory " + parent.string() +
                               " for the control socket: " + ec.message());
    }
  }

  const auto status = fs::symlink_status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    throw std::runtime_error("cannot inspect control socket path " + path.string() + ": " + ec.message());
  }
  if (!fs::exists(status)) return;
  if (!fs::is_socket(status)) {
    throw std::runtime_error("control socket path " + path.string() +
                             " exists and is not a socket; refusing to replace it");
  }
  if (socket_is_answered(path)) {
    throw std::runtime_error("another process is listening on control socket " + path.string() +
                             " (is mip6d already running?)");
  }
  fs::remove(path, ec);
  if (ec) {
    throw std::runtime_error("cannot remove stale control socket " + path.string() + ": " + ec.message());
  }
}

}  // namespace roam6::mip6d::control
