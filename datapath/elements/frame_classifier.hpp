#pragma once
// What one Ethernet frame is, as far as the pipelines care: not IPv6, IPv6
// that does not parse, Mobility Header, Neighbour Discovery (ICMPv6 133-137),
// ip6ip6, or any other IPv6. The extension chain is walked only when the
// first next header is an extension header, so the common packet costs one
// header check. Untagged frames only (the ports carry no VLANs).

#include <cstdint>

#include "roam6/wire/ipv6.hpp"

namespace roam6::datapath {

enum class FrameKind : std::uint8_t {
  truncated_ethernet,  // shorter than an Ethernet header
  not_ipv6,
  malformed_ipv6,      // bad fixed header, payload length past the frame, bad chain
  mobility,            // next header 135, after any chain
  neighbour_discovery, // ICMPv6 types 133-137
  ip6ip6,              // upper protocol 41
  other_ipv6,
};

struct ClassifiedFrame {
  FrameKind kind = FrameKind::truncated_ethernet;
  // Valid from `mobility` on: the IPv6 header at frame + 14.
  wire::Ipv6View ip;
  std::uint8_t upper_protocol = 0;
  std::uint16_t upper_offset = 0;     // from the IPv6 header
  bool has_extension_headers = false;
  // The chain holds a Fragment header: the packet is one fragment (first or
  // later) of a larger one. Only with has_extension_headers.
  bool fragment = false;
  std::uint8_t icmp_type = 0;          // when upper_protocol is ICMPv6
};

[[nodiscard]] bool is_ipv6_extension_header(std::uint8_t next_header) noexcept;

// `frame` is the whole Ethernet frame (contiguous).
[[nodiscard]] ClassifiedFrame classify_frame(const std::uint8_t* frame, std::uint32_t length) noexcept;
// The same, written into `out`: the pipelines keep a chunk's classes in an
// array, and assigning a returned struct copies it with wider loads than the
// stores that built it, which stalls store-to-load forwarding per packet.
void classify_frame(const std::uint8_t* frame, std::uint32_t length, ClassifiedFrame& out) noexcept;

// Whether a packet's upper layer (after any extension headers) is a Mobility
// Header. The chain is walked only when the packet has one.
[[nodiscard]] bool carries_mobility_header(const wire::Ipv6View& packet) noexcept;

// A link-local or loopback unicast address, or a multicast group of
// interface-, link- or reserved scope: none of them may cross the tunnel.
// Inline: every tunnelled packet asks it of one or two addresses.
[[nodiscard]] inline bool is_link_scope(const std::uint8_t* a) noexcept {
  if (a[0] == 0xff) return (a[1] & 0x0f) <= 2;           // multicast scope 0, 1, 2
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return true;  // fe80::/10
  // ::1, as two words
  return wire::load_be64(a) == 0 && wire::load_be64(a + 8) == 1;
}

}  // namespace roam6::datapath
