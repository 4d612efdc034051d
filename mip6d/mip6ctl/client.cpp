#include "mip6d/mip6ctl/client.hpp"

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

namespace roam6::mip6d::mip6ctl {
namespace {

namespace asio = boost::asio;
using Protocol = asio::local::stream_protocol;
using boost::system::error_code;

// A reply longer than this is not from mip6d (a binding list of a million
// entries is still far below it); stop reading rather than grow forever.
constexpr std::size_t longest_reply_bytes = 256 * 1024 * 1024;

std::string seconds_text(std::chrono::milliseconds timeout) {
  const auto ms = timeout.count();
  std::string text = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
    while (fraction.back() == '0') fraction.pop_back();
    text += "." + fraction;
  }
  return text + " s";
}

}  // namespace

std::string exchange(const std::string& socket_path, const std::string& request_line,
                     std::chrono::milliseconds timeout) {
  asio::io_context io;
  Protocol::socket socket(io);
  Protocol::endpoint endpoint;
  try {
    endpoint = Protocol::endpoint(socket_path);
  } catch (const boost::system::system_error& e) {
    throw ClientFailure("cannot connect to " + socket_path + ": " + e.code().message());
  }

  std::string input;
  std::optional<std::string> failure;
  bool replied = false;

  socket.async_connect(endpoint, [&](error_code connect_ec) {
    if (connect_ec) {
      const bool denied = connect_ec == boost::system::errc::permission_denied;
      failure = "cannot connect to " + socket_path + ": " + connect_ec.message() +
                (denied ? " (the socket is for root and its group)" : " (is mip6d running?)");
      return;
    }
    asio::async_write(socket, asio::buffer(request_line), [&](error_code write_ec, std::size_t) {
      if (write_ec) {
        failure = "cannot send the request to " + socket_path + ": " + write_ec.message();
        return;
      }
      asio::async_read_until(
          socket, asio::dynamic_buffer(input, longest_reply_bytes), '\n',
          [&](error_code read_ec, std::size_t length) {
            if (read_ec == asio::error::eof) {
              failure = "mip6d closed the connection on " + socket_path + " without replying";
            } else if (read_ec == asio::error::not_found) {
              failure = "the reply from " + socket_path + " is too long";
            } else if (read_ec) {
              failure = "cannot read the reply from " + socket_path + ": " + read_ec.message();
            } else {
              input.resize(length - 1);
              replied = true;
            }
          });
    });
  });

  io.run_for(timeout);
  if (replied) return input;
  if (failure) throw ClientFailure(*failure);
  throw ClientFailure("no reply from mip6d on " + socket_path + " within " + seconds_text(timeout));
}

}  // namespace roam6::mip6d::mip6ctl
