#pragma once
// ip6ip6 encapsulation of one frame in place (RFC 2473, rules as in
// wire/tunnel.hpp): the outer header goes into the mbuf's headroom and the
// Ethernet header moves in front of it.
//
// Fast path (the inner packet has no extension headers): copy the binding's
// OuterHeaderTemplate (its addresses), then write version, traffic class
// (copied from the inner packet), flow label (the inner one, or
// wire::derive_flow_label when it is 0), payload length, next header 41 and
// the tunnel's hop limit, and decrement the inner hop limit. An inner packet
// with extension headers may carry a Tunnel Encapsulation Limit, so it goes
// through wire::plan_encapsulation / wire::encapsulate instead, which keeps
// RFC 2473 4.1.1 in one place.
//
// A packet of at most 1280 bytes whose tunnel packet exceeds the path MTU is
// still encapsulated (RFC 2473 7.1 (b)): the result says so, and the caller
// fragments the outer packet (outer_fragmenter.hpp).

#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>

#include "datapath/elements/frame_classifier.hpp"
#include "datapath/pipeline/pipeline_settings.hpp"
#include "datapath/table/binding_table.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/tunnel.hpp"

namespace roam6::datapath {

enum class EncapsulationResult : std::uint8_t {
  encapsulated,
  encapsulated_oversize,   // encapsulated, but the tunnel packet exceeds the path MTU:
                           // fragment it (RFC 2473 7.1 (b); inner packet <= 1280 bytes)
  hop_limit_exhausted,     // inner hop limit <= 1: Time Exceeded (RFC 4443 3.3)
  encapsulation_limit_reached,  // inner Tunnel Encapsulation Limit 0: Parameter Problem
                                // pointing at `parameter_problem_pointer` (RFC 2473 4.1.1 (b))
  too_big,                 // send Packet Too Big reporting `packet_too_big_mtu`
  no_headroom,             // the mbuf cannot take the outer header
  malformed,               // the inner packet's extension chain is refused
};

struct EncapsulationOutcome {
  EncapsulationResult result = EncapsulationResult::malformed;
  std::uint32_t packet_too_big_mtu = 0;
  std::uint16_t inner_length = 0;  // bytes that entered the tunnel
  // From the start of the inner packet: the limit octet of the option.
  std::uint16_t parameter_problem_pointer = 0;
};

struct EthernetRewrite {
  const wire::MacAddr* dst;
  const wire::MacAddr* src;
};

// `frame` was classified from m's data (an IPv6 frame). On anything but
// `encapsulated` the mbuf is unchanged apart from link-layer padding after
// the IPv6 packet, which is trimmed first.
EncapsulationOutcome encapsulate_frame(rte_mbuf* m, const ClassifiedFrame& frame,
                                       const OuterHeaderTemplate& outer,
                                       const TunnelSettings& tunnel, std::uint32_t path_mtu,
                                       EthernetRewrite ethernet) noexcept;
// The same, written into `out`: returned in registers, the outcome is built
// field by field on the stack and reloaded whole, a store-forwarding stall
// on every packet the pipelines encapsulate. Inline (the fast path; the rest
// is out of line): a call cost every tunnelled packet some 25 instructions
// of register saves and argument moves.
inline void encapsulate_frame(rte_mbuf* m, const ClassifiedFrame& frame, const OuterHeaderTemplate& outer,
                              const TunnelSettings& tunnel, std::uint32_t path_mtu,
                              EthernetRewrite ethernet, EncapsulationOutcome& out) noexcept;

// A packet this node originates into the tunnel (an ICMPv6 error to an away
// guest behind it): the same outer header, but the inner packet is not
// forwarded, so its hop limit stays (wire::InnerOrigin::local). It must have
// no extension headers and fit the tunnel; the caller made it so. `m` holds
// Ethernet + the IPv6 packet. False when there is no headroom (m unchanged).
bool encapsulate_originated(rte_mbuf* m, const OuterHeaderTemplate& outer,
                            const TunnelSettings& tunnel, EthernetRewrite ethernet) noexcept;

namespace encapsulator_detail {

inline constexpr std::size_t eth = wire::ethernet_header_size;

// Drops link-layer padding: only the IPv6 packet enters the tunnel.
inline void trim_to_packet(rte_mbuf* m, std::size_t packet_length) noexcept {
  const std::size_t frame_length = eth + packet_length;
  if (rte_pktmbuf_pkt_len(m) > frame_length)
    rte_pktmbuf_trim(m, static_cast<std::uint16_t>(rte_pktmbuf_pkt_len(m) - frame_length));
}

// Prepends `header_size` bytes and moves the Ethernet header to the new
// front, rewriting its addresses. nullptr when there is no headroom.
inline std::uint8_t* make_room(rte_mbuf* m, std::uint16_t header_size, EthernetRewrite ethernet) noexcept {
  auto* front = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_prepend(m, header_size));
  if (front == nullptr) return nullptr;
  // The old header starts header_size (>= 40) bytes later: no overlap.
  std::memcpy(front + 12, front + header_size + 12, 2);
  ethernet.dst->write_to(front);
  ethernet.src->write_to(front + 6);
  return front;
}

// Puts the outer header in front of the inner IPv6 packet at m's data + 14
// (which keeps its traffic class and flow label, or gets a derived one):
// the binding's template (addresses), then version, traffic class, flow
// label, payload length, next header 41 and the tunnel's hop limit. The
// outer header, or nullptr when the mbuf has no headroom (unchanged).
inline std::uint8_t* prepend_outer_header(rte_mbuf* m, std::uint16_t inner_length, const OuterHeaderTemplate& outer,
                                          const TunnelSettings& tunnel, EthernetRewrite ethernet) noexcept {
  // Read before the headers move.
  const auto* inner = rte_pktmbuf_mtod_offset(m, const std::uint8_t*, eth);
  const std::uint32_t first_word = wire::load_be32(inner);
  const auto traffic_class = static_cast<std::uint8_t>(first_word >> 20);
  std::uint32_t flow_label = first_word & wire::max_flow_label;
  if (flow_label == 0) flow_label = wire::derive_flow_label(inner + 8, inner + 24, inner[6], tunnel.flow_label_key);
  std::uint8_t* front = make_room(m, static_cast<std::uint16_t>(wire::tunnel_ipv6_header_size), ethernet);
  if (front == nullptr) return nullptr;
  std::uint8_t* outer_ip = front + eth;
  std::memcpy(outer_ip, outer.bytes, sizeof outer.bytes);
  wire::store_be32(outer_ip, (6u << 28) | (std::uint32_t{traffic_class} << 20) | flow_label);
  wire::store_be16(outer_ip + 4, inner_length);
  outer_ip[6] = wire::ipproto::ipv6;
  outer_ip[7] = tunnel.hop_limit;
  return outer_ip;
}

// The outer header of a forwarded packet: also the inner hop limit one
// lower (RFC 2473 3.1). False when the mbuf has no headroom (unchanged).
inline bool add_outer_header(rte_mbuf* m, std::uint16_t inner_length, const OuterHeaderTemplate& outer,
                             const TunnelSettings& tunnel, EthernetRewrite ethernet) noexcept {
  std::uint8_t* outer_ip = prepend_outer_header(m, inner_length, outer, tunnel, ethernet);
  if (outer_ip == nullptr) return false;
  --outer_ip[wire::tunnel_ipv6_header_size + 7];
  return true;
}

// Everything but the fast path: a packet with extension headers (through
// the wire library), one whose hop limit is spent, one too big for the path.
void encapsulate_rare(rte_mbuf* m, const ClassifiedFrame& frame, const OuterHeaderTemplate& outer,
                      const TunnelSettings& tunnel, std::uint32_t path_mtu, EthernetRewrite ethernet,
                      EncapsulationOutcome& out) noexcept;

}  // namespace encapsulator_detail

inline void encapsulate_frame(rte_mbuf* m, const ClassifiedFrame& frame, const OuterHeaderTemplate& outer,
                              const TunnelSettings& tunnel, std::uint32_t path_mtu,
                              EthernetRewrite ethernet, EncapsulationOutcome& out) noexcept {
  using namespace encapsulator_detail;
  const auto inner_length = static_cast<std::uint16_t>(frame.ip.packet().size());
  if (frame.has_extension_headers || frame.ip.hop_limit() <= 1 ||
      inner_length + wire::tunnel_ipv6_header_size > path_mtu) [[unlikely]] {
    encapsulate_rare(m, frame, outer, tunnel, path_mtu, ethernet, out);
    return;
  }
  trim_to_packet(m, inner_length);
  out = EncapsulationOutcome{};
  out.inner_length = inner_length;
  out.result = add_outer_header(m, inner_length, outer, tunnel, ethernet)
                   ? EncapsulationResult::encapsulated
                   : EncapsulationResult::no_headroom;
}

}  // namespace roam6::datapath
