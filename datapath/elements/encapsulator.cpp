#include "datapath/elements/encapsulator.hpp"

#include <rte_mbuf.h>

#include <cstring>

#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/tunnel.hpp"

namespace roam6::datapath {

namespace {

using namespace encapsulator_detail;

EncapsulationOutcome through_wire_library(rte_mbuf* m, const ClassifiedFrame& frame,
                                          const OuterHeaderTemplate& outer,
                                          const TunnelSettings& tunnel, std::uint32_t path_mtu,
                                          EthernetRewrite ethernet) noexcept {
  EncapsulationOutcome out;
  wire::TunnelConfig config;
  config.src = wire::Ip6Addr::from_bytes(outer.bytes + 8);
  config.dst = wire::Ip6Addr::from_bytes(outer.bytes + 24);
  config.hop_limit = tunnel.hop_limit;
  config.flow_label_key = tunnel.flow_label_key;
  const auto plan = wire::plan_encapsulation(frame.ip.packet(), config);
  if (!plan) {
    out.result = EncapsulationResult::malformed;
    if (plan.error() == wire::Errc::inner_hop_limit_exhausted) {
      out.result = EncapsulationResult::hop_limit_exhausted;
    } else if (plan.error() == wire::Errc::tunnel_encapsulation_limit_reached) {
      // The plan found the option; find it again for where it is.
      const auto limit = wire::find_tunnel_encapsulation_limit(frame.ip);
      if (limit && *limit) {
        out.result = EncapsulationResult::encapsulation_limit_reached;
        out.parameter_problem_pointer = (*limit)->parameter_problem_pointer();
      }
    }
    return out;
  }
  out.inner_length = plan->inner_length;
  if (const auto mtu = wire::needs_packet_too_big(plan->inner_length, path_mtu, plan->header_size)) {
    out.result = EncapsulationResult::too_big;
    out.packet_too_big_mtu = *mtu;
    return out;
  }
  const bool oversize = plan->inner_length + plan->header_size > path_mtu;
  const auto header_size = static_cast<std::uint16_t>(plan->header_size);
  // The addresses make_room overwrites, for the undo below: a refused
  // packet must leave as it came (its sender's MAC answers it).
  std::uint8_t original_addresses[12];
  std::memcpy(original_addresses, rte_pktmbuf_mtod(m, const std::uint8_t*), sizeof original_addresses);
  std::uint8_t* front = make_room(m, header_size, ethernet);
  if (front == nullptr) {
    out.result = EncapsulationResult::no_headroom;
    return out;
  }
  const auto done = wire::encapsulate({front + eth, header_size + std::size_t{plan->inner_length}},
                                      header_size, *plan, config);
  if (!done) {  // cannot happen for a plan made just above; undo rather than send garbage
    std::memcpy(front + header_size, original_addresses, sizeof original_addresses);
    rte_pktmbuf_adj(m, header_size);
    out.result = EncapsulationResult::malformed;
    return out;
  }
  out.result = oversize ? EncapsulationResult::encapsulated_oversize
                       : EncapsulationResult::encapsulated;
  return out;
}

}  // namespace

EncapsulationOutcome encapsulate_frame(rte_mbuf* m, const ClassifiedFrame& frame,
                                       const OuterHeaderTemplate& outer,
                                       const TunnelSettings& tunnel, std::uint32_t path_mtu,
                                       EthernetRewrite ethernet) noexcept {
  EncapsulationOutcome out;
  encapsulate_frame(m, frame, outer, tunnel, path_mtu, ethernet, out);
  return out;
}

namespace encapsulator_detail {

void encapsulate_rare(rte_mbuf* m, const ClassifiedFrame& frame, const OuterHeaderTemplate& outer,
                      const TunnelSettings& tunnel, std::uint32_t path_mtu, EthernetRewrite ethernet,
                      EncapsulationOutcome& out) noexcept {
  const auto inner_length = static_cast<std::uint16_t>(frame.ip.packet().size());
  trim_to_packet(m, inner_length);
  if (frame.has_extension_headers) {
    out = through_wire_library(m, frame, outer, tunnel, path_mtu, ethernet);
    return;
  }
  out = EncapsulationOutcome{};
  out.inner_length = inner_length;
  if (frame.ip.hop_limit() <= 1) {
    out.result = EncapsulationResult::hop_limit_exhausted;
    return;
  }
  // Too big for the path: a Packet Too Big, or (an inner packet of at most
  // 1280 bytes) encapsulated all the same for the caller to fragment.
  if (const auto mtu = wire::needs_packet_too_big(inner_length, path_mtu, wire::tunnel_ipv6_header_size)) {
    out.result = EncapsulationResult::too_big;
    out.packet_too_big_mtu = *mtu;
    return;
  }
  out.result = add_outer_header(m, inner_length, outer, tunnel, ethernet)
                   ? EncapsulationResult::encapsulated_oversize
                   : EncapsulationResult::no_headroom;
}

}  // namespace encapsulator_detail

bool encapsulate_originated(rte_mbuf* m, const OuterHeaderTemplate& outer,
                            const TunnelSettings& tunnel, EthernetRewrite ethernet) noexcept {
  const auto inner_length = static_cast<std::uint16_t>(rte_pktmbuf_pkt_len(m) - eth);
  return prepend_outer_header(m, inner_length, outer, tunnel, ethernet) != nullptr;
}

}  // namespace roam6::datapath
