#include "datapath/elements/decapsulator.hpp"

#include <rte_mbuf.h>

#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/tunnel.hpp"

namespace roam6::datapath {

namespace {

constexpr std::uint8_t ecn_mask = 0x03;
constexpr std::uint8_t ecn_not_ect = 0x00;
constexpr std::uint8_t ecn_ect1 = 0x01;
constexpr std::uint8_t ecn_ce = 0x03;

// RFC 6040 section 4.2, Figure 4 (normal mode): the outer ECN field is
// merged into the inner one. CE over Not-ECT is refused before this runs.
void propagate_congestion(std::uint8_t* inner, std::uint8_t outer_traffic_class) noexcept {
  const auto outer_ecn = static_cast<std::uint8_t>(outer_traffic_class & ecn_mask);
  if (outer_ecn != ecn_ce && outer_ecn != ecn_ect1) return;
  const std::uint32_t word = wire::load_be32(inner);
  const auto inner_ecn = static_cast<std::uint8_t>((word >> 20) & ecn_mask);
  // Not-ECT stays Not-ECT; CE stays CE; ECT(1) over ECT(0) and CE over any
  // ECT replace the inner value.
  if (inner_ecn == ecn_not_ect || inner_ecn == ecn_ce) return;
  if (outer_ecn == ecn_ect1 && inner_ecn == ecn_ect1) return;
  const std::uint32_t cleared = word & ~(std::uint32_t{ecn_mask} << 20);
  wire::store_be32(inner, cleared | (std::uint32_t{outer_ecn} << 20));
}

}  // namespace

bool ecn_forbids_decapsulation(const TunnelFrame& tunnel) noexcept {
  const auto outer_ecn = static_cast<std::uint8_t>(tunnel.outer_traffic_class & ecn_mask);
  const auto inner_ecn = static_cast<std::uint8_t>(tunnel.inner.traffic_class() & ecn_mask);
  return outer_ecn == ecn_ce && inner_ecn == ecn_not_ect;
}

std::optional<TunnelFrame> inspect_tunnel_frame(const ClassifiedFrame& frame) noexcept {
  if (frame.kind != FrameKind::ip6ip6) return std::nullopt;
  TunnelFrame out;
  out.outer_src = frame.ip.src_bytes();
  out.outer_traffic_class = frame.ip.traffic_class();
  if (!frame.has_extension_headers) [[likely]] {
    // The inner header and the payload it declares must lie within the
    // outer payload.
    const auto inner = wire::Ipv6View::parse(frame.ip.payload());
    if (!inner) return std::nullopt;
    out.inner_offset = static_cast<std::uint16_t>(wire::ipv6_header_size);
    out.inner = *inner;
    return out;
  }
  const auto tunnel = wire::decapsulate(frame.ip.packet());
  if (!tunnel) return std::nullopt;
  if (tunnel->outer_chain.unrecognised_option_offset || tunnel->outer_chain.unsupported_routing_offset)
    return std::nullopt;
  out.inner_offset = tunnel->inner_offset;
  out.inner = tunnel->inner;
  return out;
}

std::uint16_t strip_tunnel_header(rte_mbuf* m, const TunnelFrame& tunnel,
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
  propagate_congestion(front + wire::ethernet_header_size, tunnel.outer_traffic_class);
  return inner_length;
}

}  // namespace roam6::datapath
