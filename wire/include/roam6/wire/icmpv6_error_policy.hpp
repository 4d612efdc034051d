#pragma once
// When a node may answer a packet with an ICMPv6 error (RFC 4443 section 2.4
// (e)). Every error the datapath (and anything else built on the wire
// library) originates asks here first, so that no error ever answers an
// error, a multicast or a packet whose source names no single node.

#include <cstdint>

#include "roam6/wire/ipv6.hpp"

namespace roam6::wire {

// Whether an ICMPv6 error of `type`/`code` may be sent about `invoking` (the
// offending packet, from its IPv6 header). RFC 4443 2.4 (e) forbids one about:
//   (e.1) an ICMPv6 error message, (e.2) an ICMPv6 Redirect: found by walking
//         the extension chain (a chain that does not parse, or a non-first
//         fragment, shows no upper layer and is not one of these; an ICMPv6
//         message too short to show its type counts as an error message);
//   (e.3) a packet to an IPv6 multicast address, and (e.4, e.5) a packet
//         sent as link-layer multicast or broadcast (`link_layer_group`):
//         except Packet Too Big, and Parameter Problem code 2 (an option
//         whose action bits are 10, which the caller has checked);
//   (e.6) a packet whose source does not name one node: the unspecified
//         address or a multicast address (an anycast source cannot be told
//         from a unicast one here).
// The rate limit of 2.4 (f) is the caller's.
[[nodiscard]] bool icmpv6_error_allowed(const Ipv6View& invoking, std::uint8_t type,
                                        std::uint8_t code, bool link_layer_group) noexcept;

}  // namespace roam6::wire
