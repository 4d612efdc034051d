#pragma once
// Every way a packet can be malformed, as one enum, so callers count drops per
// reason and logs name the exact problem. describe() gives the operator text.

#include <cstdint>
#include <string_view>

namespace roam6::wire {

enum class Errc : std::uint8_t {
  ok = 0,

  // Builders: the caller's buffer cannot hold what was asked for.
  buffer_too_small,
  // Builders: a field value the wire format cannot carry.
  value_out_of_range,

  // Ethernet
  truncated_ethernet_header,
  truncated_vlan_tag,

  // IPv6 fixed header
  truncated_ipv6_header,
  bad_ip_version,
  payload_length_exceeds_buffer,
  jumbogram_unsupported,

  // IPv6 extension-header chain
  truncated_extension_header,
  extension_header_exceeds_payload,
  extension_chain_too_long,
  hop_by_hop_not_first,
  truncated_extension_option,
  extension_option_exceeds_header,
  bad_home_address_option_length,
  duplicate_home_address_option,
  bad_type2_routing_header_length,
  bad_type2_segments_left,
  truncated_fragment_header,

  // Mobility Header (RFC 6275 section 6.1)
  truncated_mobility_header,
  mobility_payload_proto_not_none,
  mobility_header_exceeds_packet,
  mobility_header_too_short_for_type,
  unknown_mobility_header_type,
  bad_mobility_header_checksum,
  wrong_mobility_header_type,
  not_mobility_header,
  mobility_writer_out_of_order,

  // Mobility options (RFC 6275 section 6.2 and extensions)
  truncated_mobility_option,
  mobility_option_exceeds_message,
  bad_mobility_option_length,
  bad_home_network_prefix_length,
  mobility_option_misaligned,
  mobility_option_after_authentication,
  mobility_auth_option_not_found,

  // ICMPv6 and Neighbour Discovery
  truncated_icmpv6,
  bad_icmpv6_checksum,
  wrong_icmpv6_type,
  bad_icmpv6_code,
  bad_nd_hop_limit,
  truncated_nd_message,
  truncated_nd_option,
  zero_length_nd_option,
  nd_option_exceeds_message,
  bad_nd_option_length,
  bad_nd_target,
  bad_nd_source,
  bad_nd_destination,
  nd_link_layer_option_from_unspecified_source,
  bad_nd_prefix_length,

  // IPv6-in-IPv6 tunnel (RFC 2473)
  not_ip6ip6,
  truncated_inner_packet,
  inner_hop_limit_exhausted,
  tunnel_encapsulation_limit_reached,
  bad_tunnel_encapsulation_limit_option,
  tunnel_packet_fragmented,
};

// Short, stable, snake_case name (for counters and JSON).
std::string_view name(Errc e) noexcept;
// One sentence for humans (logs, CLI).
std::string_view describe(Errc e) noexcept;

}  // namespace roam6::wire
