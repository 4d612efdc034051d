#pragma once
// IPv6-in-IPv6 tunnelling (RFC 2473) for a datapath that prepends the outer
// header in place, in the headroom in front of the inner packet (a DPDK mbuf),
// and decapsulates by moving its data pointer forward.
//
// Encapsulation, per RFC 2473:
//  - The inner hop limit is decremented, as any forwarding does (section 3.1
//    (a)); a packet whose hop limit would reach 0 is refused with
//    inner_hop_limit_exhausted so the caller sends Time Exceeded (RFC 4443
//    3.3). A packet this node originated itself is not forwarded and keeps
//    its hop limit (InnerOrigin::local).
//  - Tunnel Encapsulation Limit (section 4.1.1): the inner packet is searched
//    left to right (rule (a)). A limit of 0 refuses the packet with
//    tunnel_encapsulation_limit_reached; find_tunnel_encapsulation_limit
//    gives the Parameter Problem pointer (rule (b): code 0, pointing at the
//    limit octet). A limit n > 0 puts a limit of n - 1 on the outer header
//    (rule (c)), whatever this tunnel is configured with. Without an inner
//    limit the configured one is used (rule (d)), and without either no
//    option is added (rule (e)).
//  - The outer header is 40 bytes, or 48 with a Destination Options header
//    holding the option and a PadN, laid out as in section 5.1.
//  - Outer hop limit: the tunnel's own, independent of the inner one
//    (section 6.3), default 64.
//  - Traffic class: RFC 2473 section 6.4 makes a per-tunnel value the default
//    (0) and copying the inner value an option. roam6 copies by default: it
//    tunnels guests' traffic and should be transparent to it, so the underlay
//    sees the guest's DSCP (the "uniform model" of RFC 2983) and ECN marks
//    keep working across the tunnel (RFC 6040 normal mode copies the ECN
//    field at ingress). A fixed value is available; it replaces all eight
//    bits, so keep its ECN bits 0 (RFC 6040 compatibility mode).
//  - Flow label: RFC 2473 section 6.5 defaults to 0, but RFC 6437 has every
//    source label its flows, an encapsulating node is the source of the outer
//    packet, and RFC 6438 applies this to tunnels so that ECMP and LAG in the
//    underlay spread tunnelled traffic by inner flow. roam6 therefore copies a non-zero inner
//    label, and otherwise derives one deterministically from the inner
//    source, destination and next header, keyed by flow_label_key so that
//    outsiders cannot predict it; all packets of an inner flow get one label.
//    A fixed value (0 to turn labelling off) is available.
//
// MTU (section 7.1 and RFC 8201): the tunnel MTU is the path MTU minus the
// tunnel header; an inner packet larger than that and larger than 1280 bytes
// is refused with Packet Too Big reporting max(tunnel MTU, 1280). A larger
// packet of at most 1280 bytes is encapsulated and the tunnel packet is then
// fragmented by the caller.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/ipv6.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

inline constexpr std::size_t tunnel_ipv6_header_size = ipv6_header_size;
// Destination Options header holding only the Tunnel Encapsulation Limit
// option and a PadN (RFC 2473 section 5.1).
inline constexpr std::size_t tunnel_encapsulation_limit_header_size = 8;
inline constexpr std::uint8_t default_tunnel_hop_limit = 64;
// RFC 2473 section 6.6's recommended limit, for callers that configure one.
inline constexpr std::uint8_t recommended_tunnel_encapsulation_limit = 4;

enum class TrafficClassPolicy : std::uint8_t { copy_inner, fixed };
enum class FlowLabelPolicy : std::uint8_t { from_inner, fixed };

struct TunnelConfig {
  Ip6Addr src;  // tunnel entry point (this node)
  Ip6Addr dst;  // tunnel exit point
  std::uint8_t hop_limit = default_tunnel_hop_limit;
  // nullopt: no Tunnel Encapsulation Limit option unless the inner packet
  // carries one (RFC 2473 4.1.1 (e)).
  std::optional<std::uint8_t> encapsulation_limit;
  TrafficClassPolicy traffic_class_policy = TrafficClassPolicy::copy_inner;
  std::uint8_t fixed_traffic_class = 0;
  FlowLabelPolicy flow_label_policy = FlowLabelPolicy::from_inner;
  std::uint32_t fixed_flow_label = 0;  // 20 bits
  std::uint32_t flow_label_key = 0;
};

// Whether the entry point forwards the inner packet (the normal case) or is
// its source.
enum class InnerOrigin : std::uint8_t { forwarded, local };

// 40, or 48 when the tunnel is configured with an encapsulation limit. An
// inner packet that carries a limit also gets the 48-byte header; use
// EncapsulationPlan::header_size for the exact size of one packet.
std::size_t tunnel_header_size(const TunnelConfig& config) noexcept;

// Path MTU minus the tunnel header (0 if the path cannot even hold that).
std::uint32_t tunnel_mtu(std::uint32_t path_mtu, std::size_t header_size) noexcept;

// The MTU to report in a Packet Too Big to the inner packet's source, or
// nullopt when the packet may enter the tunnel (it fits, or it is at most 1280
// bytes and the tunnel packet is to be fragmented).
std::optional<std::uint32_t> needs_packet_too_big(std::size_t inner_length,
                                                  std::uint32_t path_mtu,
                                                  std::size_t header_size) noexcept;
std::optional<std::uint32_t> needs_packet_too_big(std::size_t inner_length,
                                                  std::uint32_t path_mtu,
                                                  const TunnelConfig& config) noexcept;

struct TunnelEncapsulationLimit {
  std::uint8_t limit = 0;
  // Offset of the option's Type octet from the start of the packet.
  std::uint16_t option_offset = 0;
  // RFC 2473 4.1.1 (b): the Parameter Problem points at the limit itself,
  // the third octet of the option.
  [[nodiscard]] std::uint16_t parameter_problem_pointer() const noexcept {
    return static_cast<std::uint16_t>(option_offset + 2);
  }
};

// RFC 2473 4.1.1 (a): examines the headers after the IPv6 header left to
// right, stopping at the first Destination Options header with the option,
// at another IPv6 header, at an upper-layer header, or at a header it cannot
// parse (ESP, unknown types, a non-first fragment).
// Errors: the extension-header framing errors (truncated_extension_header,
// extension_header_exceeds_payload, extension_chain_too_long,
// truncated_extension_option, extension_option_exceeds_header,
// truncated_fragment_header) and bad_tunnel_encapsulation_limit_option.
Result<std::optional<TunnelEncapsulationLimit>> find_tunnel_encapsulation_limit(
    const Ipv6View& packet) noexcept;

// A flow label is 20 bits (RFC 6437).
inline constexpr std::uint32_t max_flow_label = 0xfffff;

// The deterministic label FlowLabelPolicy::from_inner uses when the inner
// label is 0: never 0 itself, since 0 means "not labelled". `src` and `dst`
// are 16 bytes each (the pointer form reads them in place in a packet).
// Inline: a datapath runs it for every unlabelled packet it tunnels, where
// a call and two address copies were a third of its cost.
inline std::uint32_t derive_flow_label(const std::uint8_t* src, const std::uint8_t* dst,
                                       std::uint8_t next_header, std::uint32_t key) noexcept {
  // A keyed multiply-xorshift over the addresses eight octets at a time,
  // not one multiply per octet. Octets are assembled big-endian, so the
  // label is the same on every machine.
  constexpr std::uint64_t multiplier = 0x9e3779b97f4a7c15ull;
  std::uint64_t h = (std::uint64_t{key} << 8 | next_header) * multiplier;
  for (const std::uint8_t* word : {src, src + 8, dst, dst + 8}) {
    h = (h ^ load_be64(word)) * multiplier;
    h ^= h >> 32;
  }
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  const auto folded = static_cast<std::uint32_t>(h ^ (h >> 20) ^ (h >> 40)) & max_flow_label;
  return folded == 0 ? 1 : folded;
}
inline std::uint32_t derive_flow_label(const Ip6Addr& src, const Ip6Addr& dst, std::uint8_t next_header,
                                       std::uint32_t key) noexcept {
  return derive_flow_label(src.bytes.data(), dst.bytes.data(), next_header, key);
}

// Everything about one packet's encapsulation, decided before touching it so
// the caller can check the MTU and reserve headroom first.
struct EncapsulationPlan {
  std::size_t header_size = tunnel_ipv6_header_size;
  std::optional<std::uint8_t> outer_encapsulation_limit;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
  // The inner packet as its header declares it; bytes after it (link-layer
  // padding) are not tunnelled.
  std::uint16_t inner_length = 0;
  bool decrement_inner_hop_limit = true;
};

// Errors: the Ipv6View::parse errors for the inner packet,
// inner_hop_limit_exhausted, tunnel_encapsulation_limit_reached, the
// find_tunnel_encapsulation_limit errors, value_out_of_range (tunnel hop
// limit 0, fixed flow label over 20 bits, or an outer packet over 65535 bytes).
Result<EncapsulationPlan> plan_encapsulation(ByteSpan inner, const TunnelConfig& config,
                                             InnerOrigin origin = InnerOrigin::forwarded) noexcept;

struct Encapsulated {
  std::size_t outer_offset = 0;  // where the outer packet starts in the buffer
  std::size_t header_size = 0;   // bytes prepended
  std::size_t length = 0;        // outer packet length
};

// `buffer` holds headroom followed by the inner packet at `inner_offset`.
// Writes the outer header(s) into the plan.header_size bytes right before the
// inner packet and decrements the inner hop limit; nothing else moves.
// `plan` must come from plan_encapsulation for this packet and config.
// Errors: buffer_too_small (headroom smaller than the header),
// value_out_of_range (inner_offset past the buffer, or the packet does not
// match the plan), inner_hop_limit_exhausted (the hop limit changed since).
Result<Encapsulated> encapsulate(MutableByteSpan buffer, std::size_t inner_offset,
                                 const EncapsulationPlan& plan,
                                 const TunnelConfig& config) noexcept;
// plan_encapsulation and encapsulate in one call.
Result<Encapsulated> encapsulate(MutableByteSpan buffer, std::size_t inner_offset,
                                 const TunnelConfig& config,
                                 InnerOrigin origin = InnerOrigin::forwarded) noexcept;

struct TunnelPacket {
  Ip6Addr outer_src;
  Ip6Addr outer_dst;
  std::uint8_t outer_traffic_class = 0;  // for ECN decapsulation (RFC 6040)
  // The outer extension chain, walked and checked. The Tunnel Encapsulation
  // Limit option ends here (RFC 2473 4.1.1); options the exit point must
  // act on (unrecognised_option_offset, unsupported_routing_offset) are the
  // caller's to refuse.
  ExtensionChain outer_chain;
  // Offset of the inner IPv6 header from the start of the outer packet: the
  // number of bytes to strip.
  std::uint16_t inner_offset = 0;
  Ipv6View inner;
};

// Errors: the Ipv6View::parse and walk_extension_chain errors for the outer
// packet, tunnel_packet_fragmented (reassemble first, RFC 2473 section 7),
// not_ip6ip6 (upper protocol not 41), truncated_inner_packet (the outer
// payload cannot hold the inner header or the payload it declares),
// bad_ip_version and jumbogram_unsupported for the inner packet.
Result<TunnelPacket> decapsulate(ByteSpan outer_packet) noexcept;

}  // namespace roam6::wire
