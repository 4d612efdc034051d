#pragma once
// ip6ip6 decapsulation in place (RFC 2473): first the tunnel packet is
// inspected (outer source, inner header) so the pipeline can check it against
// the binding, then the outer header(s) are stripped with rte_pktmbuf_adj and
// a fresh Ethernet header is written in front of the inner packet.
//
// Without outer extension headers (the normal case) the inner header sits at
// offset 40 and is checked here; with them wire::decapsulate walks and checks
// the outer chain. A fragmented tunnel packet is refused (no reassembly
// here), as is one whose outer chain carries an option or routing header the
// exit point would have to act on.
//
// ECN (RFC 6040 section 4.2, normal mode): outer CE over ECT(0)/ECT(1) makes
// the inner CE, outer ECT(1) over ECT(0) makes it ECT(1); outer CE over a
// Not-ECT inner packet must be dropped (ecn_forbids_decapsulation), since
// its endpoints could not react to the congestion mark.

#include <rte_mbuf.h>

#include <cstdint>
#include <optional>

#include "datapath/elements/encapsulator.hpp"
#include "datapath/elements/frame_classifier.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/ethernet.hpp"

namespace roam6::datapath {

// The fast paths below are inline: a call each cost every tunnel packet
// some 15 instructions of register saves and argument moves, and returning
// the inspected frame through memory as much again.

struct TunnelFrame {
  const std::uint8_t* outer_src = nullptr;  // in the packet
  std::uint8_t outer_traffic_class = 0;
  std::uint16_t inner_offset = 0;           // from the outer IPv6 header
  wire::Ipv6View inner;
};

namespace decapsulator_detail {

inline constexpr std::uint8_t ecn_mask = 0x03;
inline constexpr std::uint8_t ecn_not_ect = 0x00;
inline constexpr std::uint8_t ecn_ect1 = 0x01;
inline constexpr std::uint8_t ecn_ce = 0x03;

// A tunnel packet with outer extension headers, through wire::decapsulate.
[[nodiscard]] std::optional<TunnelFrame> inspect_with_extension_headers(const ClassifiedFrame& frame) noexcept;

// RFC 6040 section 4.2, Figure 4 (normal mode): the outer ECN field is
// merged into the inner one. CE over Not-ECT is refused before this runs.
inline void propagate_congestion(std::uint8_t* inner, std::uint8_t outer_traffic_class) noexcept {
  const auto outer_ecn = static_cast<std::uint8_t>(outer_traffic_class & ecn_mask);
  if (outer_ecn != ecn_ce && outer_ecn != ecn_ect1) [[likely]]
    return;
  const std::uint32_t word = wire::load_be32(inner);
  const auto inner_ecn = static_cast<std::uint8_t>((word >> 20) & ecn_mask);
  // Not-ECT stays Not-ECT; CE stays CE; ECT(1) over ECT(0) and CE over any
  // ECT replace the inner value.
  if (inner_ecn == ecn_not_ect || inner_ecn == ecn_ce) return;
  if (outer_ecn == ecn_ect1 && inner_ecn == ecn_ect1) return;
  const std::uint32_t cleared = word & ~(std::uint32_t{ecn_mask} << 20);
  wire::store_be32(inner, cleared | (std::uint32_t{outer_ecn} << 20));
}

}  // namespace decapsulator_detail

// nullopt: ip6ip6 that cannot be decapsulated (drop_tunnel_malformed).
[[nodiscard]] inline std::optional<TunnelFrame> inspect_tunnel_frame(const ClassifiedFrame& frame) noexcept {
  if (frame.kind != FrameKind::ip6ip6) return std::nullopt;
  if (frame.has_extension_headers) [[unlikely]]
    return decapsulator_detail::inspect_with_extension_headers(frame);
  // The inner header and the payload it declares must lie within the outer
  // payload.
  const auto inner = wire::Ipv6View::parse(frame.ip.payload());
  if (!inner) return std::nullopt;
  TunnelFrame out;
  out.outer_src = frame.ip.src_bytes();
  out.outer_traffic_class = frame.ip.traffic_class();
  out.inner_offset = static_cast<std::uint16_t>(wire::ipv6_header_size);
  out.inner = *inner;
  return out;
}

// RFC 6040: CE on the outer header of a Not-ECT inner packet; the caller
// drops it (drop_ecn_congestion).
[[nodiscard]] inline bool ecn_forbids_decapsulation(const TunnelFrame& tunnel) noexcept {
  using namespace decapsulator_detail;
  const auto outer_ecn = static_cast<std::uint8_t>(tunnel.outer_traffic_class & ecn_mask);
  const auto inner_ecn = static_cast<std::uint8_t>(tunnel.inner.traffic_class() & ecn_mask);
  return outer_ecn == ecn_ce && inner_ecn == ecn_not_ect;
}

// Strips the outer header(s) and link-layer padding and writes the Ethernet
// header. The mbuf then holds exactly Ethernet + inner packet. Returns the
// inner packet's length.
inline std::uint16_t strip_tunnel_header(rte_mbuf* m, const TunnelFrame& tunnel,
                                         EthernetRewrite ethernet) noexcept {
  const auto inner_length = static_cast<std::uint16_t>(tunnel.inner.packet().size());
  // inner_offset >= 40 > 14: what remains in front of the inner packet after
  // the cut is exactly room for the new Ethernet header.
  rte_pktmbuf_adj(m, tunnel.inner_offset);
  const std::uint32_t wanted = wire::ethernet_header_size + inner_length;
  if (rte_pktmbuf_pkt_len(m) > wanted)
    rte_pktmbuf_trim(m, static_cast<std::uint16_t>(rte_pktmbuf_pkt_len(m) - wanted));
  auto* front = rte_pktmbuf_mtod(m, std::uint8_t*);
  ethernet.dst->write_to(front);
  ethernet.src->write_to(front + 6);
  wire::store_be16(front + 12, wire::ethertype::ipv6);
  decapsulator_detail::propagate_congestion(front + wire::ethernet_header_size, tunnel.outer_traffic_class);
  return inner_length;
}

}  // namespace roam6::datapath
