#include "datapath/elements/frame_classifier.hpp"

#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/icmpv6.hpp"

namespace roam6::datapath {

bool is_ipv6_extension_header(std::uint8_t next_header) noexcept {
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

ClassifiedFrame classify_frame(const std::uint8_t* frame, std::uint32_t length) noexcept {
  ClassifiedFrame out;
  classify_frame(frame, length, out);
  return out;
}

void classify_frame(const std::uint8_t* frame, std::uint32_t length, ClassifiedFrame& out) noexcept {
  out = ClassifiedFrame{};
  if (length < wire::ethernet_header_size) return;
  if (wire::load_be16(frame + 12) != wire::ethertype::ipv6) {
    out.kind = FrameKind::not_ipv6;
    return;
  }
  out.kind = FrameKind::malformed_ipv6;
  const auto ip = wire::Ipv6View::parse(
      {frame + wire::ethernet_header_size, length - wire::ethernet_header_size});
  if (!ip) return;
  out.ip = *ip;
  out.upper_protocol = ip->next_header();
  out.upper_offset = static_cast<std::uint16_t>(wire::ipv6_header_size);
  if (is_ipv6_extension_header(out.upper_protocol)) [[unlikely]] {
    wire::ExtensionChain chain;
    if (wire::walk_extension_chain(*ip, chain) != wire::Errc::ok) return;
    out.has_extension_headers = true;
    out.fragment = chain.fragmented;
    // A later fragment carries no upper-layer header: it is just "other".
    out.upper_protocol = chain.later_fragment ? wire::ipproto::no_next_header : chain.upper_protocol;
    out.upper_offset = chain.upper_offset;
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

bool carries_mobility_header(const wire::Ipv6View& packet) noexcept {
  const std::uint8_t next = packet.next_header();
  if (next == wire::ipproto::mobility) return true;
  if (!is_ipv6_extension_header(next)) [[likely]] return false;
  wire::ExtensionChain chain;
  return wire::walk_extension_chain(packet, chain) == wire::Errc::ok && !chain.later_fragment &&
         chain.upper_protocol == wire::ipproto::mobility;
}


}  // namespace roam6::datapath
