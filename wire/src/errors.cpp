#include "roam6/wire/errors.hpp"

namespace roam6::wire {

namespace {
struct ErrcText {
  std::string_view name;
  std::string_view description;
};

constexpr ErrcText text_of(Errc e) noexcept {
  switch (e) {
    case Errc::ok: return {"ok", "no error"};
    case Errc::buffer_too_small: return {"buffer_too_small", "output buffer too small"};
    case Errc::value_out_of_range: return {"value_out_of_range", "field value does not fit its wire encoding"};
    case Errc::truncated_ethernet_header: return {"truncated_ethernet_header", "frame shorter than an Ethernet header"};
    case Errc::truncated_vlan_tag: return {"truncated_vlan_tag", "frame ends inside an 802.1Q tag"};
    case Errc::truncated_ipv6_header: return {"truncated_ipv6_header", "packet shorter than the 40-byte IPv6 header"};
    case Errc::bad_ip_version: return {"bad_ip_version", "IP version field is not 6"};
    case Errc::payload_length_exceeds_buffer: return {"payload_length_exceeds_buffer", "IPv6 payload length runs past the end of the packet"};
    case Errc::jumbogram_unsupported: return {"jumbogram_unsupported", "IPv6 jumbogram (payload length 0) is not supported"};
    case Errc::truncated_extension_header: return {"truncated_extension_header", "packet ends inside an extension header"};
    case Errc::extension_header_exceeds_payload: return {"extension_header_exceeds_payload", "extension header length runs past the IPv6 payload"};
    case Errc::extension_chain_too_long: return {"extension_chain_too_long", "more extension headers than allowed"};
    case Errc::hop_by_hop_not_first: return {"hop_by_hop_not_first", "Hop-by-Hop Options header not directly after the IPv6 header"};
    case Errc::truncated_extension_option: return {"truncated_extension_option", "option header cut off inside an extension header"};
    case Errc::extension_option_exceeds_header: return {"extension_option_exceeds_header", "option length runs past its extension header"};
    case Errc::bad_home_address_option_length: return {"bad_home_address_option_length", "Home Address option length is not 16"};
    case Errc::duplicate_home_address_option: return {"duplicate_home_address_option", "more than one Home Address option"};
    case Errc::bad_type2_routing_header_length: return {"bad_type2_routing_header_length", "type 2 routing header length is not 2"};
    case Errc::bad_type2_segments_left: return {"bad_type2_segments_left", "type 2 routing header segments left is not 0 or 1"};
    case Errc::truncated_fragment_header: return {"truncated_fragment_header", "packet ends inside a Fragment header"};
    case Errc::truncated_mobility_header: return {"truncated_mobility_header", "packet ends inside the Mobility Header"};
    case Errc::mobility_payload_proto_not_none: return {"mobility_payload_proto_not_none", "Mobility Header payload proto is not 59 (No Next Header)"};
    case Errc::mobility_header_exceeds_packet: return {"mobility_header_exceeds_packet", "Mobility Header length runs past the packet"};
    case Errc::mobility_header_too_short_for_type: return {"mobility_header_too_short_for_type", "Mobility Header too short for its MH type"};
    case Errc::unknown_mobility_header_type: return {"unknown_mobility_header_type", "unknown MH type"};
    case Errc::bad_mobility_header_checksum: return {"bad_mobility_header_checksum", "Mobility Header checksum is wrong"};
    case Errc::wrong_mobility_header_type: return {"wrong_mobility_header_type", "Mobility Header is of another MH type than expected"};
    case Errc::not_mobility_header: return {"not_mobility_header", "packet does not carry a Mobility Header"};
    case Errc::mobility_writer_out_of_order: return {"mobility_writer_out_of_order", "Mobility Header writer used out of order (option before message, second message, or write after finish)"};
    case Errc::truncated_mobility_option: return {"truncated_mobility_option", "message ends inside a mobility option header"};
    case Errc::mobility_option_exceeds_message: return {"mobility_option_exceeds_message", "mobility option length runs past the message"};
    case Errc::bad_mobility_option_length: return {"bad_mobility_option_length", "mobility option has the wrong length for its type"};
    case Errc::bad_home_network_prefix_length: return {"bad_home_network_prefix_length", "Home Network Prefix option with a prefix length above 128"};
    case Errc::mobility_option_misaligned: return {"mobility_option_misaligned", "mobility option violates its alignment requirement"};
    case Errc::mobility_option_after_authentication: return {"mobility_option_after_authentication", "mobility option after the authentication option that must be last"};
    case Errc::mobility_auth_option_not_found: return {"mobility_auth_option_not_found", "no complete Mobility Message Authentication option at the given offset"};
    case Errc::truncated_icmpv6: return {"truncated_icmpv6", "packet ends inside the ICMPv6 header"};
    case Errc::bad_icmpv6_checksum: return {"bad_icmpv6_checksum", "ICMPv6 checksum is wrong"};
    case Errc::wrong_icmpv6_type: return {"wrong_icmpv6_type", "ICMPv6 message is of another type than expected"};
    case Errc::bad_icmpv6_code: return {"bad_icmpv6_code", "ICMPv6 code must be 0 for this message"};
    case Errc::bad_nd_hop_limit: return {"bad_nd_hop_limit", "Neighbour Discovery message with hop limit other than 255"};
    case Errc::truncated_nd_message: return {"truncated_nd_message", "Neighbour Discovery message shorter than its fixed part"};
    case Errc::truncated_nd_option: return {"truncated_nd_option", "message ends inside a Neighbour Discovery option"};
    case Errc::zero_length_nd_option: return {"zero_length_nd_option", "Neighbour Discovery option with length 0"};
    case Errc::nd_option_exceeds_message: return {"nd_option_exceeds_message", "Neighbour Discovery option runs past the message"};
    case Errc::bad_nd_option_length: return {"bad_nd_option_length", "Neighbour Discovery option has the wrong length for its type"};
    case Errc::bad_nd_target: return {"bad_nd_target", "Neighbour Discovery target is a multicast address"};
    case Errc::bad_nd_source: return {"bad_nd_source", "Neighbour Discovery message from a source it may not come from"};
    case Errc::bad_nd_destination: return {"bad_nd_destination", "Neighbour Discovery message sent to a destination it may not go to"};
    case Errc::nd_link_layer_option_from_unspecified_source: return {"nd_link_layer_option_from_unspecified_source", "source link-layer address option in a message from the unspecified address"};
    case Errc::bad_nd_prefix_length: return {"bad_nd_prefix_length", "Prefix Information option with a prefix length above 128"};
    case Errc::not_ip6ip6: return {"not_ip6ip6", "packet is not IPv6-in-IPv6"};
    case Errc::truncated_inner_packet: return {"truncated_inner_packet", "tunnelled inner IPv6 packet is truncated"};
    case Errc::inner_hop_limit_exhausted: return {"inner_hop_limit_exhausted", "inner packet hop limit would reach zero"};
    case Errc::tunnel_encapsulation_limit_reached: return {"tunnel_encapsulation_limit_reached", "tunnel encapsulation limit is zero"};
    case Errc::bad_tunnel_encapsulation_limit_option: return {"bad_tunnel_encapsulation_limit_option", "Tunnel Encapsulation Limit option length is not 1"};
    case Errc::tunnel_packet_fragmented: return {"tunnel_packet_fragmented", "tunnel packet is a fragment; reassemble it before decapsulation"};
  }
  return {"unknown_error", "unknown error"};
}
}  // namespace

std::string_view name(Errc e) noexcept { return text_of(e).name; }
std::string_view describe(Errc e) noexcept { return text_of(e).description; }

}  // namespace roam6::wire
