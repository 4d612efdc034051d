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

#include <cstdint>

#include "datapath/elements/frame_classifier.hpp"
#include "datapath/pipeline/pipeline_settings.hpp"
#include "datapath/table/binding_table.hpp"

struct rte_mbuf;

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
// on every packet the pipelines encapsulate.
void encapsulate_frame(rte_mbuf* m, const ClassifiedFrame& frame, const OuterHeaderTemplate& outer,
                       const TunnelSettings& tunnel, std::uint32_t path_mtu,
                       EthernetRewrite ethernet, EncapsulationOutcome& out) noexcept;

// A packet this node originates into the tunnel (an ICMPv6 error to an away
// guest behind it): the same outer header, but the inner packet is not
// forwarded, so its hop limit stays (wire::InnerOrigin::local). It must have
// no extension headers and fit the tunnel; the caller made it so. `m` holds
// Ethernet + the IPv6 packet. False when there is no headroom (m unchanged).
bool encapsulate_originated(rte_mbuf* m, const OuterHeaderTemplate& outer,
                            const TunnelSettings& tunnel, EthernetRewrite ethernet) noexcept;

}  // namespace roam6::datapath
