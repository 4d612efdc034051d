#include "roam6/wire/tunnel.hpp"

#include <algorithm>

namespace roam6::wire {

namespace {


// Length of one extension header from its first bytes (`h` has at least 8).
std::size_t extension_header_length(std::uint8_t type, const std::uint8_t* h) noexcept {
  if (type == ipproto::fragment) return 8;
  if (type == ipproto::ah) return (std::size_t{h[1]} + 2) * 4;  // RFC 4302: 4-octet units
  return (std::size_t{h[1]} + 1) * 8;
}

// Looks for the option in one Destination Options header; `hdr_offset` is
// the header's offset in the packet.
Result<std::optional<TunnelEncapsulationLimit>> scan_destination_options(
    ByteSpan hdr, std::size_t hdr_offset) noexcept {
  std::size_t i = 2;
  while (i < hdr.size()) {
    const std::uint8_t type = hdr[i];
    if (type == dest_option::pad1) {
      ++i;
      continue;
    }
    if (i + 2 > hdr.size()) return Errc::truncated_extension_option;
    const std::size_t length = hdr[i + 1];
    if (i + 2 + length > hdr.size()) return Errc::extension_option_exceeds_header;
    if (type == dest_option::tunnel_encapsulation_limit) {
      if (length != 1) return Errc::bad_tunnel_encapsulation_limit_option;
      TunnelEncapsulationLimit found;
      found.limit = hdr[i + 2];
      found.option_offset = static_cast<std::uint16_t>(hdr_offset + i);
      return std::optional<TunnelEncapsulationLimit>(found);
    }
    i += 2 + length;
  }
  return std::optional<TunnelEncapsulationLimit>();
}

std::uint32_t choose_flow_label(const Ipv6View& inner, const TunnelConfig& config) noexcept {
  if (config.flow_label_policy == FlowLabelPolicy::fixed) return config.fixed_flow_label;
  if (inner.flow_label() != 0) return inner.flow_label();
  return derive_flow_label(inner.src(), inner.dst(), inner.next_header(), config.flow_label_key);
}

}  // namespace

std::size_t tunnel_header_size(const TunnelConfig& config) noexcept {
  return tunnel_ipv6_header_size +
         (config.encapsulation_limit ? tunnel_encapsulation_limit_header_size : 0);
}

std::uint32_t tunnel_mtu(std::uint32_t path_mtu, std::size_t header_size) noexcept {
  if (path_mtu <= header_size) return 0;
  return static_cast<std::uint32_t>(path_mtu - header_size);
}

std::optional<std::uint32_t> needs_packet_too_big(std::size_t inner_length,
                                                  std::uint32_t path_mtu,
                                                  std::size_t header_size) noexcept {
  const std::uint32_t mtu = tunnel_mtu(path_mtu, header_size);
  if (inner_length <= mtu) return std::nullopt;
  // RFC 2473 7.1 (b): small packets are tunnelled and the tunnel packet
  // fragmented, since their source may not send anything smaller.
  if (inner_length <= ipv6_minimum_mtu) return std::nullopt;
  return std::max(mtu, ipv6_minimum_mtu);  // 7.1 (a)
}

std::optional<std::uint32_t> needs_packet_too_big(std::size_t inner_length,
                                                  std::uint32_t path_mtu,
                                                  const TunnelConfig& config) noexcept {
  return needs_packet_too_big(inner_length, path_mtu, tunnel_header_size(config));
}

Result<std::optional<TunnelEncapsulationLimit>> find_tunnel_encapsulation_limit(
    const Ipv6View& packet) noexcept {
  const ByteSpan payload = packet.payload();
  std::uint8_t next = packet.next_header();
  std::size_t offset = 0;  // within the payload
  for (std::uint8_t count = 0;; ++count) {
    switch (next) {
      case ipproto::hop_by_hop:
      case ipproto::destination_options:
      case ipproto::routing:
      case ipproto::fragment:
      case ipproto::ah:
        break;
      default:  // another IPv6 header, an upper layer, ESP, or unknown: stop
        return std::optional<TunnelEncapsulationLimit>();
    }
    if (count == max_extension_headers) return Errc::extension_chain_too_long;
    const std::size_t remaining = payload.size() - offset;
    if (remaining < 8) {
      return next == ipproto::fragment ? Errc::truncated_fragment_header
                                       : Errc::truncated_extension_header;
    }
    const std::uint8_t* h = payload.data() + offset;
    const std::size_t length = extension_header_length(next, h);
    if (length > remaining) return Errc::extension_header_exceeds_payload;
    if (next == ipproto::destination_options) {
      auto found = scan_destination_options({h, length}, ipv6_header_size + offset);
      if (!found || *found) return found;
    }
    // A non-first fragment carries data, not headers.
    if (next == ipproto::fragment && (load_be16(h + 2) >> 3) != 0)
      return std::optional<TunnelEncapsulationLimit>();
    next = h[0];
    offset += length;
  }
}

Result<EncapsulationPlan> plan_encapsulation(ByteSpan inner_bytes, const TunnelConfig& config,
                                             InnerOrigin origin) noexcept {
  if (config.hop_limit == 0) return Errc::value_out_of_range;
  if (config.flow_label_policy == FlowLabelPolicy::fixed && config.fixed_flow_label > max_flow_label)
    return Errc::value_out_of_range;
  const auto inner = Ipv6View::parse(inner_bytes);
  if (!inner) return inner.error();

  EncapsulationPlan plan;
  plan.decrement_inner_hop_limit = origin == InnerOrigin::forwarded;
  // RFC 4443 3.3: a packet received with hop limit 0, or decremented to 0,
  // is discarded with Time Exceeded.
  if (plan.decrement_inner_hop_limit && inner->hop_limit() <= 1)
    return Errc::inner_hop_limit_exhausted;

  const auto inner_limit = find_tunnel_encapsulation_limit(*inner);
  if (!inner_limit) return inner_limit.error();
  if (*inner_limit) {
    if ((*inner_limit)->limit == 0) return Errc::tunnel_encapsulation_limit_reached;
    plan.outer_encapsulation_limit = static_cast<std::uint8_t>((*inner_limit)->limit - 1);
  } else {
    plan.outer_encapsulation_limit = config.encapsulation_limit;
  }
  plan.header_size = tunnel_ipv6_header_size +
                     (plan.outer_encapsulation_limit ? tunnel_encapsulation_limit_header_size : 0);

  const std::size_t inner_length = inner->packet().size();
  if (inner_length + plan.header_size - tunnel_ipv6_header_size > 0xffff)
    return Errc::value_out_of_range;
  plan.inner_length = static_cast<std::uint16_t>(inner_length);
  plan.traffic_class = config.traffic_class_policy == TrafficClassPolicy::fixed
                           ? config.fixed_traffic_class
                           : inner->traffic_class();
  plan.flow_label = choose_flow_label(*inner, config);
  return plan;
}

Result<Encapsulated> encapsulate(MutableByteSpan buffer, std::size_t inner_offset,
                                 const EncapsulationPlan& plan,
                                 const TunnelConfig& config) noexcept {
  if (inner_offset > buffer.size()) return Errc::value_out_of_range;
  if (buffer.size() - inner_offset < std::max<std::size_t>(plan.inner_length, ipv6_header_size))
    return Errc::value_out_of_range;
  if (plan.header_size != tunnel_ipv6_header_size + (plan.outer_encapsulation_limit
                                                          ? tunnel_encapsulation_limit_header_size
                                                          : 0))
    return Errc::value_out_of_range;
  if (inner_offset < plan.header_size) return Errc::buffer_too_small;
  // Re-checked so a stale plan can never wrap a hop limit of 0 to 255.
  if (plan.decrement_inner_hop_limit && buffer[inner_offset + 7] <= 1)
    return Errc::inner_hop_limit_exhausted;

  const std::size_t outer_offset = inner_offset - plan.header_size;
  std::uint8_t* outer = buffer.data() + outer_offset;
  Ipv6Fields f;
  f.traffic_class = plan.traffic_class;
  f.flow_label = plan.flow_label;
  f.payload_length =
      static_cast<std::uint16_t>(plan.inner_length + plan.header_size - tunnel_ipv6_header_size);
  f.next_header = plan.outer_encapsulation_limit ? ipproto::destination_options : ipproto::ipv6;
  f.hop_limit = config.hop_limit;
  f.src = config.src;
  f.dst = config.dst;
  if (const auto written = write_ipv6_header({outer, tunnel_ipv6_header_size}, f); !written)
    return written.error();
  if (plan.outer_encapsulation_limit) {
    std::uint8_t* d = outer + tunnel_ipv6_header_size;
    d[0] = ipproto::ipv6;
    d[1] = 0;  // (0 + 1) * 8 bytes
    d[2] = dest_option::tunnel_encapsulation_limit;
    d[3] = 1;
    d[4] = *plan.outer_encapsulation_limit;
    d[5] = dest_option::padn;
    d[6] = 1;
    d[7] = 0;
  }
  if (plan.decrement_inner_hop_limit) --buffer[inner_offset + 7];

  Encapsulated result;
  result.outer_offset = outer_offset;
  result.header_size = plan.header_size;
  result.length = plan.header_size + plan.inner_length;
  return result;
}

Result<Encapsulated> encapsulate(MutableByteSpan buffer, std::size_t inner_offset,
                                 const TunnelConfig& config, InnerOrigin origin) noexcept {
  if (inner_offset > buffer.size()) return Errc::value_out_of_range;
  const auto plan = plan_encapsulation(buffer.subspan(inner_offset), config, origin);
  if (!plan) return plan.error();
  return encapsulate(buffer, inner_offset, *plan, config);
}

Result<TunnelPacket> decapsulate(ByteSpan outer_packet) noexcept {
  const auto outer = Ipv6View::parse(outer_packet);
  if (!outer) return outer.error();
  const auto chain = walk_extension_chain(*outer);
  if (!chain) return chain.error();
  if (chain->fragmented) return Errc::tunnel_packet_fragmented;
  if (chain->upper_protocol != ipproto::ipv6) return Errc::not_ip6ip6;

  const ByteSpan inner_bytes = outer->packet().subspan(chain->upper_offset);
  const auto inner = Ipv6View::parse(inner_bytes);
  if (!inner) {
    if (inner.error() == Errc::truncated_ipv6_header ||
        inner.error() == Errc::payload_length_exceeds_buffer)
      return Errc::truncated_inner_packet;
    return inner.error();
  }
  TunnelPacket t;
  t.outer_src = outer->src();
  t.outer_dst = outer->dst();
  t.outer_traffic_class = outer->traffic_class();
  t.outer_chain = *chain;
  t.inner_offset = chain->upper_offset;
  t.inner = *inner;
  return t;
}

}  // namespace roam6::wire
