#include "roam6/wire/address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

namespace roam6::wire {

std::optional<Ip6Addr> Ip6Addr::parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; the longest valid text form is
  // INET6_ADDRSTRLEN - 1 characters.
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  Ip6Addr a;
  if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return std::nullopt;
  return a;
}

std::string Ip6Addr::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

bool Ip6Addr::is_unspecified() const noexcept {
  for (auto b : bytes)
    if (b != 0) return false;
  return true;
}

bool Ip6Addr::is_loopback() const noexcept {
  for (std::size_t i = 0; i < 15; ++i)
    if (bytes[i] != 0) return false;
  return bytes[15] == 1;
}

bool Ip6Addr::is_ipv4_mapped() const noexcept {
  for (std::size_t i = 0; i < 10; ++i)
    if (bytes[i] != 0) return false;
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

bool Ip6Addr::is_ipv4_compatible() const noexcept {
  for (std::size_t i = 0; i < 12; ++i)
    if (bytes[i] != 0) return false;
  return !is_unspecified() && !is_loopback();
}

bool Ip6Addr::is_global_unicast() const noexcept {
  return !is_unspecified() && !is_loopback() && !is_multicast() && !is_link_local() &&
         !is_site_local() && !is_ipv4_mapped() && !is_ipv4_compatible();
}

Ip6Addr solicited_node_multicast(const Ip6Addr& target) noexcept {
  Ip6Addr a;
  a.bytes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0, 0, 0};
  a.bytes[13] = target.bytes[13];
  a.bytes[14] = target.bytes[14];
  a.bytes[15] = target.bytes[15];
  return a;
}

Ip6Addr all_nodes_multicast() noexcept {
  Ip6Addr a;
  a.bytes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
  return a;
}

Ip6Addr all_routers_multicast() noexcept {
  Ip6Addr a;
  a.bytes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
  return a;
}

Ip6Prefix Ip6Prefix::of(const Ip6Addr& addr, std::uint8_t length) noexcept {
  Ip6Prefix p;
  p.length = length > 128 ? 128 : length;
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bits_before = i * 8;
    if (bits_before + 8 <= p.length) {
      p.address.bytes[i] = addr.bytes[i];
    } else if (bits_before < p.length) {
      const unsigned keep = p.length - bits_before;
      p.address.bytes[i] = static_cast<std::uint8_t>(addr.bytes[i] & (0xff << (8 - keep)));
    }
  }
  return p;
}

std::optional<Ip6Prefix> Ip6Prefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto addr = Ip6Addr::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const auto len_text = text.substr(slash + 1);
  unsigned len = 0;
  const auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc{} || ptr != len_text.data() + len_text.size() || len_text.empty() || len > 128)
    return std::nullopt;
  const auto p = of(*addr, static_cast<std::uint8_t>(len));
  if (p.address != *addr) return std::nullopt;  // host bits set: almost surely a typo
  return p;
}

bool Ip6Prefix::contains(const Ip6Addr& addr) const noexcept {
  return of(addr, length).address == address;
}

bool Ip6Prefix::is_subnet_router_anycast(const Ip6Addr& addr) const noexcept {
  return length <= 126 && addr == address;
}

bool Ip6Prefix::is_reserved_subnet_anycast(const Ip6Addr& addr) const noexcept {
  if (!contains(addr)) return false;
  if (length == 64) {
    // Modified EUI-64 format: the universal/local bit is 0, hence fdff.
    static constexpr std::uint8_t top[7] = {0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return std::memcmp(addr.bytes.data() + 8, top, sizeof top) == 0 && (addr.bytes[15] & 0x80) != 0;
  }
  if (length > 121) return false;
  // Host bits from `length` to 120 all ones; the last 7 are the anycast ID.
  for (unsigned bit = length; bit < 121; ++bit)
    if ((addr.bytes[bit / 8] & (0x80u >> (bit % 8))) == 0) return false;
  return true;
}

std::string Ip6Prefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

std::optional<MacAddr> MacAddr::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddr m;
  for (unsigned i = 0; i < 6; ++i) {
    const auto part = text.substr(i * 3, 2);
    if (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') return std::nullopt;
    unsigned v = 0;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + 2, v, 16);
    if (ec != std::errc{} || ptr != part.data() + 2) return std::nullopt;
    m.bytes[i] = static_cast<std::uint8_t>(v);
  }
  return m;
}

std::string MacAddr::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2],
                bytes[3], bytes[4], bytes[5]);
  return buf;
}

MacAddr multicast_mac(const Ip6Addr& group) noexcept {
  return MacAddr{{0x33, 0x33, group.bytes[12], group.bytes[13], group.bytes[14], group.bytes[15]}};
}

Ip6Addr link_local_from_mac(const MacAddr& mac) noexcept {
  Ip6Addr a;
  a.bytes[0] = 0xfe;
  a.bytes[1] = 0x80;
  a.bytes[8] = static_cast<std::uint8_t>(mac.bytes[0] ^ 0x02);
  a.bytes[9] = mac.bytes[1];
  a.bytes[10] = mac.bytes[2];
  a.bytes[11] = 0xff;
  a.bytes[12] = 0xfe;
  a.bytes[13] = mac.bytes[3];
  a.bytes[14] = mac.bytes[4];
  a.bytes[15] = mac.bytes[5];
  return a;
}

}  // namespace roam6::wire
