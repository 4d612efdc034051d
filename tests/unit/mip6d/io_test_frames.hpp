#pragma once
// Ethernet frames for the io/ tests. Headers come from roam6_wire's builders;
// payloads are arbitrary bytes (these tests move frames, they do not parse
// Mobility Headers), with a tag so each frame can be told apart.

#include <cstdint>
#include <string_view>
#include <vector>

#include "tests/support/mip6d/fake_packet_io.hpp"
#include "roam6/wire/address.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::mip6d::test {

inline wire::MacAddr mac(std::string_view text) { return *wire::MacAddr::parse(text); }
inline wire::Ip6Addr ip(std::string_view text) { return *wire::Ip6Addr::parse(text); }
inline wire::Ip6Prefix prefix(std::string_view text) { return *wire::Ip6Prefix::parse(text); }

inline FrameBytes ethernet_frame(const wire::MacAddr& dst, const wire::MacAddr& src,
                                 std::uint16_t ethertype,
                                 const std::vector<std::uint8_t>& payload) {
  FrameBytes frame(wire::ethernet_header_size);
  (void)wire::write_ethernet_header(frame, dst, src, ethertype);
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

// An IPv6 packet whose first next header is `next_header`, with `payload_size`
// bytes after the fixed header: `tag`, then a counting pattern.
inline FrameBytes ipv6_frame(const wire::MacAddr& dst_mac, const wire::MacAddr& src_mac,
                             const wire::Ip6Addr& src, const wire::Ip6Addr& dst,
                             std::uint8_t next_header, std::uint8_t tag,
                             std::uint8_t hop_limit = 64, std::size_t payload_size = 24) {
  std::vector<std::uint8_t> packet(wire::ipv6_header_size + payload_size);
  wire::Ipv6Fields fields;
  fields.payload_length = static_cast<std::uint16_t>(payload_size);
  fields.next_header = next_header;
  fields.hop_limit = hop_limit;
  fields.src = src;
  fields.dst = dst;
  (void)wire::write_ipv6_header(packet, fields);
  for (std::size_t i = 0; i < payload_size; ++i) {
    packet[wire::ipv6_header_size + i] = static_cast<std::uint8_t>(i == 0 ? tag : i);
  }
  return ethernet_frame(dst_mac, src_mac, wire::ethertype::ipv6, packet);
}

// Not an IPv4 parser's idea of valid, only the bytes the filter looks at:
// version/IHL, and UDP as the protocol.
inline FrameBytes ipv4_udp_frame(const wire::MacAddr& dst, const wire::MacAddr& src,
                                 std::uint8_t tag) {
  std::vector<std::uint8_t> packet(28, 0);
  packet[0] = 0x45;
  packet[9] = 17;
  packet[27] = tag;
  return ethernet_frame(dst, src, wire::ethertype::ipv4, packet);
}

// RARP and ARP share a 28-byte body; only the EtherType matters here.
inline FrameBytes arp_like_frame(std::uint16_t ethertype, const wire::MacAddr& src,
                                 std::uint8_t tag) {
  std::vector<std::uint8_t> body(28, 0);
  body[27] = tag;
  return ethernet_frame(*wire::MacAddr::parse("ff:ff:ff:ff:ff:ff"), src, ethertype, body);
}

}  // namespace roam6::mip6d::test
