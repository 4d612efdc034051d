#pragma once
// What one Ethernet frame is, as far as the pipelines care: not IPv6, IPv6
// that does not parse, Mobility Header, Neighbour Discovery (ICMPv6 133-137),
// ip6ip6, or any other IPv6. The extension chain is walked only when the
// first next header is an extension header, so the common packet costs one
// header check. Untagged frames only (the ports carry no VLANs).

#include <cstdint>

#include "roam6/wire/bytes.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/icmpv6.hpp"
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

[[nodiscard]] inline bool is_ipv6_extension_header(std::uint8_t next_header) noexcept {
  switch (next_header) {
    case wire::ipproto::hop_by_hop:
    case wire::ipproto::routing:
    case wire::ipproto::fragment:
    case wire::ipproto::ah:
    case wire::ipproto::destination_options:
      return true;
    default:
      return false;
  }
}

// `frame` is the whole Ethernet frame (contiguous).
[[nodiscard]] ClassifiedFrame classify_frame(const std::uint8_t* frame, std::uint32_t length) noexcept;
// The same, written into `out`: the pipelines keep a chunk's classes in an
// array, and assigning a returned struct copies it with wider loads than the
// stores that built it, which stalls store-to-load forwarding per packet.
// Inline (every packet of every pipeline runs it; the extension chain's walk
// stays out of line).
inline void classify_frame(const std::uint8_t* frame, std::uint32_t length, ClassifiedFrame& out) noexcept;

// Whether a packet's upper layer (after any extension headers) is a Mobility
// Header. The chain is walked only when the packet has one.
[[nodiscard]] inline bool carries_mobility_header(const wire::Ipv6View& packet) noexcept;

// A link-local or loopback unicast address, or a multicast group of
// interface-, link- or reserved scope: none of them may cross the tunnel.
// Inline: every tunnelled packet asks it of one or two addresses.
[[nodiscard]] inline bool is_link_scope(const std::uint8_t* a) noexcept {
  if (a[0] == 0xff) return (a[1] & 0x0f) <= 2;           // multicast scope 0, 1, 2
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return true;  // fe80::/10
  // ::1; two word compares instead of sixteen byte compares
  return wire::load_be64(a) == 0 && wire::load_be64(a + 8) == 1;
}

namespace frame_classifier_detail {

// The chain of a packet whose first next header is an extension header:
// sets has_extension_headers, fragment, upper_protocol and upper_offset;
// false when the chain does not parse.
[[nodiscard]] bool classify_extension_chain(const wire::Ipv6View& ip, ClassifiedFrame& out) noexcept;
[[nodiscard]] bool chain_ends_in_mobility_header(const wire::Ipv6View& packet) noexcept;

}  // namespace frame_classifier_detail

inline void classify_frame(const std::uint8_t* frame, std::uint32_t length, ClassifiedFrame& out) noexcept {
  out = ClassifiedFrame{};
  if (length < wire::ethernet_header_size) return;
  if (wire::load_be16(frame + 12) != wire::ethertype::ipv6) {
    out.kind = FrameKind::not_ipv6;
    return;
  }
  out.kind = FrameKind::malformed_ipv6;
  const auto ip = wire::Ipv6View::parse({frame + wire::ethernet_header_size, length - wire::ethernet_header_size});
  if (!ip) return;
  out.ip = *ip;
  out.upper_protocol = ip->next_header();
  out.upper_offset = static_cast<std::uint16_t>(wire::ipv6_header_size);
  if (is_ipv6_extension_header(out.upper_protocol)) [[unlikely]] {
    if (!frame_classifier_detail::classify_extension_chain(*ip, out)) return;
  }
  switch (out.upper_protocol) {
    case wire::ipproto::mobility:
      out.kind = FrameKind::mobility;
      break;
    case wire::ipproto::ipv6:
      out.kind = FrameKind::ip6ip6;
      break;
    case wire::ipproto::icmpv6: {
      const std::size_t end = wire::ipv6_header_size + ip->payload_length();
      if (end < std::size_t{out.upper_offset} + wire::icmpv6_header_size) return;  // malformed
      out.icmp_type = frame[wire::ethernet_header_size + out.upper_offset];
      out.kind = out.icmp_type >= wire::icmpv6_type::router_solicitation &&
                         out.icmp_type <= wire::icmpv6_type::redirect
                     ? FrameKind::neighbour_discovery
                     : FrameKind::other_ipv6;
      break;
    }
    default:
      out.kind = FrameKind::other_ipv6;
  }
}

inline bool carries_mobility_header(const wire::Ipv6View& packet) noexcept {
  const std::uint8_t next = packet.next_header();
  if (next == wire::ipproto::mobility) return true;
  if (!is_ipv6_extension_header(next)) [[likely]] return false;
  return frame_classifier_detail::chain_ends_in_mobility_header(packet);
}

}  // namespace roam6::datapath
