#include "vswitch-plugin/ovsdb/endpoint.hpp"

#include <charconv>

#include <boost/asio/ip/address.hpp>

namespace roam6::vswitch::ovsdb {

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  Endpoint endpoint;
  if (text.starts_with("unix:")) {
    endpoint.kind = Kind::unix_socket;
    endpoint.path = std::string(text.substr(5));
    if (endpoint.path.empty()) return std::nullopt;
    return endpoint;
  }
  if (!text.starts_with("tcp:")) return std::nullopt;
  std::string_view rest = text.substr(4);
  std::string_view address;
  std::string_view port;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') return std::nullopt;
    address = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    address = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  boost::system::error_code error;
  const auto parsed = boost::asio::ip::make_address(std::string(address), error);
  if (error) return std::nullopt;
  if (!rest.starts_with('[') && parsed.is_v6()) return std::nullopt;  // "tcp:::1:6640" is ambiguous
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) return std::nullopt;
  endpoint.kind = Kind::tcp;
  endpoint.address = parsed.to_string();
  endpoint.port = static_cast<std::uint16_t>(value);
  return endpoint;
}

std::string Endpoint::to_string() const {
  if (kind == Kind::unix_socket) return "unix:" + path;
  if (address.find(':') != std::string::npos) return "tcp:[" + address + "]:" + std::to_string(port);
  return "tcp:" + address + ":" + std::to_string(port);
}

}  // namespace roam6::vswitch::ovsdb
