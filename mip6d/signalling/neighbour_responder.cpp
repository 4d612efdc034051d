#include "mip6d/signalling/neighbour_responder.hpp"

#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/neighbour_discovery.hpp"

namespace roam6::mip6d {

NsOutcome answer_neighbour_solicitation(FrameWriter& out, Port port, const wire::EthernetView& eth,
                                        const wire::Ipv6View& ip, wire::ByteSpan icmp,
                                        const NeighbourLookup& lookup) {
  if (icmp.empty() || icmp[0] != wire::icmpv6_type::neighbour_solicitation) return NsOutcome::not_solicitation;
  const auto ns = wire::parse_neighbour_solicitation(ip, icmp);
  if (!ns) return NsOutcome::invalid;
  const auto answer = lookup(ns->target());
  if (!answer) return NsOutcome::not_ours;

  wire::NeighbourAdvertisementFields na;
  na.src = answer->source.value_or(ns->target());
  na.target = ns->target();
  na.router = answer->router;
  na.override_flag = answer->override_flag;
  na.target_link_layer = answer->mac;
  wire::MacAddr dst_mac;
  if (ns->is_duplicate_address_detection()) {
    // RFC 4861 7.2.4: a DAD probe is answered to all nodes, unsolicited.
    na.dst = wire::all_nodes_multicast();
    na.solicited = false;
    na.override_flag = true;
    dst_mac = answer->dad_answer_to_prober ? eth.src() : wire::multicast_mac(na.dst);
  } else {
    na.dst = ip.src();
    na.solicited = true;
    dst_mac = ns->options().source_link_layer.value_or(eth.src());
  }
  const auto src_mac = answer->frame_source.value_or(out.io().mac(port));
  const bool sent = out.send_ipv6_as(port, dst_mac, src_mac, [&](wire::MutableByteSpan buf) {
    return wire::write_neighbour_advertisement(buf, na);
  });
  return sent ? NsOutcome::answered : NsOutcome::send_failed;
}

bool announce_neighbour(FrameWriter& out, Port port, const wire::Ip6Addr& source,
                        const wire::Ip6Addr& target, const NeighbourAnswer& answer) {
  wire::NeighbourAdvertisementFields na;
  na.src = source;
  na.dst = wire::all_nodes_multicast();
  na.target = target;
  na.router = answer.router;
  na.solicited = false;
  na.override_flag = true;
  na.target_link_layer = answer.mac;
  const auto src_mac = answer.frame_source.value_or(out.io().mac(port));
  return out.send_ipv6_as(port, wire::multicast_mac(na.dst), src_mac, [&](wire::MutableByteSpan buf) {
    return wire::write_neighbour_advertisement(buf, na);
  });
}

}  // namespace roam6::mip6d
