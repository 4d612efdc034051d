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

#include <cstdint>
#include <optional>

#include "datapath/elements/encapsulator.hpp"
#include "datapath/elements/frame_classifier.hpp"

struct rte_mbuf;

namespace roam6::datapath {

struct TunnelFrame {
  const std::uint8_t* outer_src = nullptr;  // in the packet
  std::uint8_t outer_traffic_class = 0;
  std::uint16_t inner_offset = 0;           // from the outer IPv6 header
  wire::Ipv6View inner;
};

// nullopt: ip6ip6 that cannot be decapsulated (drop_tunnel_malformed).
[[nodiscard]] std::optional<TunnelFrame> inspect_tunnel_frame(const ClassifiedFrame& frame) noexcept;

// RFC 6040: CE on the outer header of a Not-ECT inner packet; the caller
// drops it (drop_ecn_congestion).
[[nodiscard]] bool ecn_forbids_decapsulation(const TunnelFrame& tunnel) noexcept;

// Strips the outer header(s) and link-layer padding and writes the Ethernet
// header. The mbuf then holds exactly Ethernet + inner packet. Returns the
// inner packet's length.
std::uint16_t strip_tunnel_header(rte_mbuf* m, const TunnelFrame& tunnel,
                                  EthernetRewrite ethernet) noexcept;

}  // namespace roam6::datapath
