#pragma once
// IPv6 addresses, prefixes and MAC addresses as small value types.

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace roam6::wire {

struct Ip6Addr {
  std::array<std::uint8_t, 16> bytes{};

  static Ip6Addr from_bytes(const std::uint8_t* p) noexcept {
    Ip6Addr a;
    std::memcpy(a.bytes.data(), p, 16);
    return a;
  }
  // Textual form (RFC 4291 / RFC 5952); nullopt when it is not an IPv6 address.
  static std::optional<Ip6Addr> parse(std::string_view text);
  // RFC 5952 canonical text.
  [[nodiscard]] std::string to_string() const;

  void write_to(std::uint8_t* p) const noexcept { std::memcpy(p, bytes.data(), 16); }
  [[nodiscard]] bool is_unspecified() const noexcept;
  [[nodiscard]] bool is_multicast() const noexcept { return bytes[0] == 0xff; }
  [[nodiscard]] bool is_link_local() const noexcept {
    return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
  }
  [[nodiscard]] bool is_loopback() const noexcept;  // ::1
  // fec0::/10, deprecated by RFC 3879 but still not global.
  [[nodiscard]] bool is_site_local() const noexcept {
    return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0xc0;
  }
  // ::ffff:0:0/96 (RFC 4291 2.5.5.2): an IPv4 host, never an IPv6 node's address.
  [[nodiscard]] bool is_ipv4_mapped() const noexcept;
  // ::/96 other than :: and ::1 (RFC 4291 2.5.5.1, deprecated).
  [[nodiscard]] bool is_ipv4_compatible() const noexcept;
  // A unicast address of global scope that a node may own: none of the above,
  // not multicast. (Unique local fc00::/7 counts: it is global in scope.)
  [[nodiscard]] bool is_global_unicast() const noexcept;

  friend auto operator<=>(const Ip6Addr&, const Ip6Addr&) = default;
};

// ff02::1:ffXX:XXXX for NS target resolution (RFC 4291 section 2.7.1).
Ip6Addr solicited_node_multicast(const Ip6Addr& target) noexcept;
// ff02::1, ff02::2
Ip6Addr all_nodes_multicast() noexcept;
Ip6Addr all_routers_multicast() noexcept;

struct Ip6Prefix {
  Ip6Addr address;  // host bits are zero
  std::uint8_t length = 0;

  // "2001:db8:a::/64"; nullopt on bad syntax, length > 128 or host bits set.
  static std::optional<Ip6Prefix> parse(std::string_view text);
  // Build from any address, clearing the host bits.
  static Ip6Prefix of(const Ip6Addr& addr, std::uint8_t length) noexcept;
  [[nodiscard]] bool contains(const Ip6Addr& addr) const noexcept;
  [[nodiscard]] std::string to_string() const;
  // RFC 4291 2.6.1: the prefix with an all-zero interface identifier, which
  // every router on the link answers. None on /127 and /128 (RFC 6164).
  [[nodiscard]] bool is_subnet_router_anycast(const Ip6Addr& addr) const noexcept;
  // RFC 2526: the 128 reserved subnet anycast addresses at the top of the
  // prefix (interface identifiers fdff:ffff:ffff:ff80-ffff on a /64, the
  // host part all ones but the last 7 bits on other lengths up to /121).
  [[nodiscard]] bool is_reserved_subnet_anycast(const Ip6Addr& addr) const noexcept;

  friend auto operator<=>(const Ip6Prefix&, const Ip6Prefix&) = default;
};

struct MacAddr {
  std::array<std::uint8_t, 6> bytes{};

  static MacAddr from_bytes(const std::uint8_t* p) noexcept {
    MacAddr m;
    std::memcpy(m.bytes.data(), p, 6);
    return m;
  }
  // "52:54:00:12:34:56" (also accepts '-' separators); nullopt otherwise.
  static std::optional<MacAddr> parse(std::string_view text);
  [[nodiscard]] std::string to_string() const;
  void write_to(std::uint8_t* p) const noexcept { std::memcpy(p, bytes.data(), 6); }
  [[nodiscard]] bool is_multicast() const noexcept { return (bytes[0] & 1) != 0; }
  [[nodiscard]] bool is_broadcast() const noexcept {
    return bytes == std::array<std::uint8_t, 6>{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  }

  friend auto operator<=>(const MacAddr&, const MacAddr&) = default;
};

// 33:33:xx:xx:xx:xx for an IPv6 multicast group (RFC 2464 section 7).
MacAddr multicast_mac(const Ip6Addr& group) noexcept;
// fe80::/64 address with a modified EUI-64 interface identifier (RFC 4291 App. A).
Ip6Addr link_local_from_mac(const MacAddr& mac) noexcept;

}  // namespace roam6::wire

template <>
struct std::hash<roam6::wire::Ip6Addr> {
  std::size_t operator()(const roam6::wire::Ip6Addr& a) const noexcept {
    std::uint64_t hi, lo;
    std::memcpy(&hi, a.bytes.data(), 8);
    std::memcpy(&lo, a.bytes.data() + 8, 8);
    return std::hash<std::uint64_t>{}(hi * 0x9E3779B97F4A7C15ull ^ lo);
  }
};
template <>
struct std::hash<roam6::wire::MacAddr> {
  std::size_t operator()(const roam6::wire::MacAddr& m) const noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, m.bytes.data(), 6);
    return std::hash<std::uint64_t>{}(v);
  }
};
