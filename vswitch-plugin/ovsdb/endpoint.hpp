#pragma once
// Where ovsdb-server listens, in the syntax ovs-vsctl --db takes, so an
// operator can copy the same string into both: "unix:PATH" or
// "tcp:IP:PORT" (an IPv6 literal in brackets, "tcp:[::1]:6640").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roam6::vswitch::ovsdb {

struct Endpoint {
  enum class Kind { unix_socket, tcp } kind = Kind::unix_socket;
  std::string path;     // unix_socket
  std::string address;  // tcp: a numeric IPv4/IPv6 address (no name lookup on the event loop)
  std::uint16_t port = 0;

  // nullopt when `text` is neither form.
  static std::optional<Endpoint> parse(std::string_view text);
  [[nodiscard]] std::string to_string() const;
  bool operator==(const Endpoint&) const = default;
};

}  // namespace roam6::vswitch::ovsdb
