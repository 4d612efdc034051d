#pragma once
// Hand-built ICMPv6 packets for tests: the bytes are laid out here field by
// field; only the checksum comes from the (separately tested) checksum code.

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "roam6/wire/address.hpp"
#include "roam6/wire/checksum.hpp"
#include "test_packets.hpp"

namespace roam6::wire::test {

inline void append(Bytes& b, const MacAddr& m) { b.insert(b.end(), m.bytes.begin(), m.bytes.end()); }

inline MacAddr mac(std::string_view text) { return *MacAddr::parse(text); }

// Fixes the payload length of an IPv6 packet whose ICMPv6 message starts at
// `icmp_offset` and runs to the end, then stores the ICMPv6 checksum.
inline void finish_icmpv6(Bytes& b, std::size_t icmp_offset = 40) {
  finish_ipv6(b);
  b[icmp_offset + 2] = 0;
  b[icmp_offset + 3] = 0;
  const auto src = Ip6Addr::from_bytes(b.data() + 8);
  const auto dst = Ip6Addr::from_bytes(b.data() + 24);
  const ByteSpan icmp(b.data() + icmp_offset, b.size() - icmp_offset);
  const std::uint16_t c = upper_layer_checksum(src, dst, 58, icmp);
  b[icmp_offset + 2] = static_cast<std::uint8_t>(c >> 8);
  b[icmp_offset + 3] = static_cast<std::uint8_t>(c);
}

// IPv6 header (next header 58) followed by `icmp`, finished.
inline Bytes icmpv6_packet(const Ip6Addr& src, const Ip6Addr& dst, std::uint8_t hop_limit,
                           const Bytes& icmp) {
  Bytes b = ipv6_header(58, src, dst, hop_limit);
  b.insert(b.end(), icmp.begin(), icmp.end());
  finish_icmpv6(b);
  return b;
}

inline ByteSpan icmp_part(const Bytes& packet) { return ByteSpan(packet).subspan(40); }

}  // namespace roam6::wire::test
