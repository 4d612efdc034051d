#include "packet_decoder.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "hex.hpp"
#include "roam6/wire/address.hpp"
#include "roam6/wire/errors.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/ipv6.hpp"
#include "roam6/wire/mobility_header.hpp"
#include "roam6/wire/mobility_options.hpp"
#include "roam6/wire/mobility_packet.hpp"
#include "roam6/wire/nd_options.hpp"
#include "roam6/wire/neighbour_discovery.hpp"
#include "roam6/wire/tunnel.hpp"

namespace roam6::tools {

namespace w = roam6::wire;

namespace {

// Tunnels in tunnels and errors quoting errors: stop somewhere.
constexpr unsigned max_depth = 8;

std::string str(std::string_view s) { return std::string(s); }

void add_error(Json& errors, std::string_view layer, w::Errc e) {
  Json err = Json::object();
  err["layer"] = str(layer);
  err["error"] = str(w::name(e));
  err["description"] = str(w::describe(e));
  errors.push_back(std::move(err));
}

std::string protocol_name(std::uint8_t p) {
  switch (p) {
    case w::ipproto::hop_by_hop: return "hop_by_hop";
    case w::ipproto::tcp: return "tcp";
    case w::ipproto::udp: return "udp";
    case w::ipproto::ipv6: return "ipv6";
    case w::ipproto::routing: return "routing";
    case w::ipproto::fragment: return "fragment";
    case w::ipproto::esp: return "esp";
    case w::ipproto::ah: return "ah";
    case w::ipproto::icmpv6: return "icmpv6";
    case w::ipproto::no_next_header: return "no_next_header";
    case w::ipproto::destination_options: return "destination_options";
    case w::ipproto::mobility: return "mobility";
    default: return "unknown";
  }
}

std::string mh_type_name(std::uint8_t t) {
  switch (t) {
    case w::mh_type::binding_refresh_request: return "binding_refresh_request";
    case w::mh_type::home_test_init: return "home_test_init";
    case w::mh_type::care_of_test_init: return "care_of_test_init";
    case w::mh_type::home_test: return "home_test";
    case w::mh_type::care_of_test: return "care_of_test";
    case w::mh_type::binding_update: return "binding_update";
    case w::mh_type::binding_ack: return "binding_ack";
    case w::mh_type::binding_error: return "binding_error";
    default: return "unknown";
  }
}

std::string ba_status_name(std::uint8_t s) {
  namespace st = w::ba_status;
  switch (s) {
    case st::accepted: return "accepted";
    case st::accepted_prefix_discovery_necessary: return "accepted_prefix_discovery_necessary";
    case st::reason_unspecified: return "reason_unspecified";
    case st::administratively_prohibited: return "administratively_prohibited";
    case st::insufficient_resources: return "insufficient_resources";
    case st::home_registration_not_supported: return "home_registration_not_supported";
    case st::not_home_subnet: return "not_home_subnet";
    case st::not_home_agent_for_this_mobile_node: return "not_home_agent_for_this_mobile_node";
    case st::duplicate_address_detection_failed: return "duplicate_address_detection_failed";
    case st::sequence_number_out_of_window: return "sequence_number_out_of_window";
    case st::expired_home_nonce_index: return "expired_home_nonce_index";
    case st::expired_care_of_nonce_index: return "expired_care_of_nonce_index";
    case st::expired_nonces: return "expired_nonces";
    case st::registration_type_change_disallowed: return "registration_type_change_disallowed";
    case st::mipv6_id_mismatch: return "mipv6_id_mismatch";
    case st::mipv6_mesg_id_required: return "mipv6_mesg_id_required";
    case st::mipv6_auth_fail: return "mipv6_auth_fail";
    case st::proxy_reg_not_enabled: return "proxy_reg_not_enabled";
    case st::not_lma_for_this_mobile_node: return "not_lma_for_this_mobile_node";
    case st::mag_not_authorized_for_proxy_reg: return "mag_not_authorized_for_proxy_reg";
    case st::not_authorized_for_home_network_prefix: return "not_authorized_for_home_network_prefix";
    case st::timestamp_mismatch: return "timestamp_mismatch";
    case st::timestamp_lower_than_prev_accepted: return "timestamp_lower_than_prev_accepted";
    case st::missing_home_network_prefix_option: return "missing_home_network_prefix_option";
    case st::bce_pbu_prefix_set_do_not_match: return "bce_pbu_prefix_set_do_not_match";
    case st::missing_mn_identifier_option: return "missing_mn_identifier_option";
    case st::missing_handoff_indicator_option: return "missing_handoff_indicator_option";
    case st::missing_access_tech_type_option: return "missing_access_tech_type_option";
    default: return s < 128 ? "accepted_other" : "rejected_other";
  }
}

std::string be_status_name(std::uint8_t s) {
  switch (s) {
    case w::be_status::unknown_binding_for_home_address_option:
      return "unknown_binding_for_home_address_option";
    case w::be_status::unrecognized_mh_type: return "unrecognized_mh_type";
    default: return "unknown";
  }
}

std::string mobility_option_name(std::uint8_t t) {
  namespace mo = w::mobility_option;
  switch (t) {
    case mo::pad1: return "pad1";
    case mo::padn: return "padn";
    case mo::binding_refresh_advice: return "binding_refresh_advice";
    case mo::alternate_care_of_address: return "alternate_care_of_address";
    case mo::nonce_indices: return "nonce_indices";
    case mo::binding_authorization_data: return "binding_authorization_data";
    case mo::mobile_node_identifier: return "mobile_node_identifier";
    case mo::message_authentication: return "message_authentication";
    case mo::replay_protection: return "replay_protection";
    case mo::home_network_prefix: return "home_network_prefix";
    case mo::handoff_indicator: return "handoff_indicator";
    case mo::access_technology_type: return "access_technology_type";
    case mo::mobile_node_link_layer_identifier: return "mobile_node_link_layer_identifier";
    case mo::link_local_address: return "link_local_address";
    case mo::timestamp: return "timestamp";
    default: return "unknown";
  }
}

std::string handoff_indicator_name(std::uint8_t v) {
  namespace hi = w::handoff_indicator;
  switch (v) {
    case hi::attachment_over_new_interface: return "attachment_over_new_interface";
    case hi::handoff_between_interfaces: return "handoff_between_interfaces";
    case hi::handoff_between_mags_same_interface: return "handoff_between_mags_same_interface";
    case hi::handoff_state_unknown: return "handoff_state_unknown";
    case hi::handoff_state_not_changed: return "handoff_state_not_changed";
    default: return "unknown";
  }
}

std::string access_technology_name(std::uint8_t v) {
  namespace at = w::access_technology;
  switch (v) {
    case at::virtual_interface: return "virtual_interface";
    case at::ppp: return "ppp";
    case at::ieee_802_3: return "ieee_802_3";
    case at::ieee_802_11: return "ieee_802_11";
    case at::ieee_802_16e: return "ieee_802_16e";
    default: return "unknown";
  }
}

std::string icmpv6_type_name(std::uint8_t t) {
  namespace it = w::icmpv6_type;
  switch (t) {
    case it::destination_unreachable: return "destination_unreachable";
    case it::packet_too_big: return "packet_too_big";
    case it::time_exceeded: return "time_exceeded";
    case it::parameter_problem: return "parameter_problem";
    case it::echo_request: return "echo_request";
    case it::echo_reply: return "echo_reply";
    case it::router_solicitation: return "router_solicitation";
    case it::router_advertisement: return "router_advertisement";
    case it::neighbour_solicitation: return "neighbour_solicitation";
    case it::neighbour_advertisement: return "neighbour_advertisement";
    case it::redirect: return "redirect";
    default: return "unknown";
  }
}

std::string icmpv6_code_name(std::uint8_t type, std::uint8_t code) {
  if (type == w::icmpv6_type::destination_unreachable) {
    namespace c = w::destination_unreachable_code;
    switch (code) {
      case c::no_route: return "no_route";
      case c::administratively_prohibited: return "administratively_prohibited";
      case c::beyond_scope_of_source: return "beyond_scope_of_source";
      case c::address_unreachable: return "address_unreachable";
      case c::port_unreachable: return "port_unreachable";
      case c::source_address_failed_policy: return "source_address_failed_policy";
      case c::reject_route: return "reject_route";
      default: return "unknown";
    }
  }
  if (type == w::icmpv6_type::time_exceeded) {
    switch (code) {
      case w::time_exceeded_code::hop_limit_exceeded: return "hop_limit_exceeded";
      case w::time_exceeded_code::reassembly_time_exceeded: return "reassembly_time_exceeded";
      default: return "unknown";
    }
  }
  if (type == w::icmpv6_type::parameter_problem) {
    switch (code) {
      case w::parameter_problem_code::erroneous_header_field: return "erroneous_header_field";
      case w::parameter_problem_code::unrecognised_next_header: return "unrecognised_next_header";
      case w::parameter_problem_code::unrecognised_option: return "unrecognised_option";
      default: return "unknown";
    }
  }
  return {};  // no named codes for this type
}

std::string nd_option_name(std::uint8_t t) {
  switch (t) {
    case w::nd_option_type::source_link_layer_address: return "source_link_layer_address";
    case w::nd_option_type::target_link_layer_address: return "target_link_layer_address";
    case w::nd_option_type::prefix_information: return "prefix_information";
    case w::nd_option_type::redirected_header: return "redirected_header";
    case w::nd_option_type::mtu: return "mtu";
    default: return "unknown";
  }
}

template <std::size_t N>
Json flag_names(std::uint32_t flags, const std::array<std::pair<std::uint32_t, const char*>, N>& table) {
  Json names = Json::array();
  for (const auto& [bit, letter] : table)
    if ((flags & bit) != 0) names.push_back(letter);
  return names;
}

constexpr std::array<std::pair<std::uint32_t, const char*>, 10> bu_flag_table{{
    {w::bu_flag::acknowledge, "A"},
    {w::bu_flag::home_registration, "H"},
    {w::bu_flag::link_local_compatibility, "L"},
    {w::bu_flag::key_management, "K"},
    {w::bu_flag::map_registration, "M"},
    {w::bu_flag::mobile_router, "R"},
    {w::bu_flag::proxy_registration, "P"},
    {w::bu_flag::force_udp_encapsulation, "F"},
    {w::bu_flag::tlv_header_format, "T"},
    {w::bu_flag::bulk_binding_update, "B"},
}};

constexpr std::array<std::pair<std::uint32_t, const char*>, 5> ba_flag_table{{
    {w::ba_flag::key_management, "K"},
    {w::ba_flag::mobile_router, "R"},
    {w::ba_flag::proxy_registration, "P"},
    {w::ba_flag::tlv_header_format, "T"},
    {w::ba_flag::bulk_binding_update, "B"},
}};

std::string printable_or_empty(w::ByteSpan bytes) {
  std::string s;
  for (const std::uint8_t b : bytes) {
    if (b < 0x20 || b > 0x7e) return {};
    s.push_back(static_cast<char>(b));
  }
  return s;
}

// The upper-layer checksum can be verified unless a routing header of a
// type other than 2 still has segments left: the final destination (RFC
// 8200 8.1) is then inside a header roam6 does not process, and RFC 8200 4.4
// has the packet discarded before its upper layer is looked at.
bool checksum_verifiable(const w::ExtensionChain& chain) {
  return !chain.unsupported_routing_offset.has_value();
}

Json checksum_verdict(bool verifiable, bool ok) { return verifiable ? Json(ok) : Json(nullptr); }

// The pseudo-header addresses of RFC 6275 6.1.1 / 6.3 (home address from a
// Home Address option as source, type 2 routing header address as final
// destination), as the library's MobilityPacket computes them. They hold for
// any upper layer, not only the Mobility Header.
std::pair<w::Ip6Addr, w::Ip6Addr> pseudo_addresses(const w::Ipv6View& ip,
                                                    const w::ExtensionChain& chain) {
  w::MobilityPacket mp;
  mp.ip = ip;
  mp.chain = chain;
  return {mp.pseudo_source(), mp.pseudo_destination()};
}

Json ipv6_json(const w::Ipv6View& ip) {
  Json j = Json::object();
  j["version"] = 6;
  j["traffic_class"] = ip.traffic_class();
  j["flow_label"] = ip.flow_label();
  j["payload_length"] = ip.payload_length();
  j["next_header"] = ip.next_header();
  j["next_header_name"] = protocol_name(ip.next_header());
  j["hop_limit"] = ip.hop_limit();
  j["src"] = ip.src().to_string();
  j["dst"] = ip.dst().to_string();
  return j;
}

Json chain_json(const w::ExtensionChain& c) {
  Json j = Json::object();
  j["header_count"] = c.header_count;
  j["upper_protocol"] = c.upper_protocol;
  j["upper_protocol_name"] = protocol_name(c.upper_protocol);
  j["upper_offset"] = c.upper_offset;
  j["home_address"] = c.home_address ? Json(c.home_address->to_string()) : Json(nullptr);
  if (c.type2_home_address) {
    j["type2_routing"] = Json{{"home_address", c.type2_home_address->to_string()},
                              {"segments_left", c.type2_segments_left}};
  } else {
    j["type2_routing"] = nullptr;
  }
  if (c.fragmented) {
    j["fragment"] = Json{{"id", c.fragment_id}, {"later_fragment", c.later_fragment}};
  } else {
    j["fragment"] = nullptr;
  }
  j["tunnel_encapsulation_limit"] =
      c.tunnel_encapsulation_limit ? Json(*c.tunnel_encapsulation_limit) : Json(nullptr);
  if (c.unrecognised_option_offset) {
    j["unrecognised_option"] =
        Json{{"offset", *c.unrecognised_option_offset}, {"type", c.unrecognised_option_type}};
  } else {
    j["unrecognised_option"] = nullptr;
  }
  j["unsupported_routing_offset"] =
      c.unsupported_routing_offset ? Json(*c.unsupported_routing_offset) : Json(nullptr);
  return j;
}

// ---------------------------------------------------------------------------
// Mobility Header

// Typed content of one option; a decoder error is recorded in the entry and
// in `errors`, and returned.
w::Errc mobility_option_fields(const w::MobilityOption& o, Json& j) {
  namespace mo = w::mobility_option;
  switch (o.type) {
    case mo::pad1:
    case mo::padn:
      return w::Errc::ok;
    case mo::binding_refresh_advice: {
      const auto v = w::decode_binding_refresh_advice(o);
      if (!v) return v.error();
      j["interval_units"] = v->interval_units;
      j["interval_seconds"] = v->interval_seconds();
      return w::Errc::ok;
    }
    case mo::alternate_care_of_address: {
      const auto v = w::decode_alternate_care_of_address(o);
      if (!v) return v.error();
      j["address"] = v->to_string();
      return w::Errc::ok;
    }
    case mo::nonce_indices: {
      const auto v = w::decode_nonce_indices(o);
      if (!v) return v.error();
      j["home_nonce_index"] = v->home_nonce_index;
      j["care_of_nonce_index"] = v->care_of_nonce_index;
      return w::Errc::ok;
    }
    case mo::binding_authorization_data: {
      const auto v = w::decode_binding_authorization_data(o);
      if (!v) return v.error();
      j["authenticator"] = to_hex(*v);
      return w::Errc::ok;
    }
    case mo::mobile_node_identifier: {
      const auto v = w::decode_mobile_node_identifier(o);
      if (!v) return v.error();
      j["subtype"] = v->subtype;
      j["subtype_name"] = v->subtype == w::mn_identifier_subtype::nai ? "nai" : "unknown";
      j["identifier"] = printable_or_empty(v->identifier);
      j["identifier_hex"] = to_hex(v->identifier);
      return w::Errc::ok;
    }
    case mo::message_authentication: {
      const auto v = w::decode_message_authentication(o);
      if (!v) return v.error();
      j["subtype"] = v->subtype;
      j["subtype_name"] = v->subtype == w::mobility_auth_subtype::mn_ha    ? "mn_ha"
                          : v->subtype == w::mobility_auth_subtype::mn_aaa ? "mn_aaa"
                                                                           : "unknown";
      j["spi"] = v->spi;
      j["authenticator"] = to_hex(v->authenticator);
      return w::Errc::ok;
    }
    case mo::replay_protection: {
      const auto v = w::decode_replay_protection(o);
      if (!v) return v.error();
      j["timestamp"] = *v;
      return w::Errc::ok;
    }
    case mo::home_network_prefix: {
      const auto v = w::decode_home_network_prefix(o);
      if (!v) return v.error();
      j["prefix_length"] = v->prefix_length;
      j["prefix"] = v->prefix.to_string();
      return w::Errc::ok;
    }
    case mo::handoff_indicator: {
      const auto v = w::decode_handoff_indicator(o);
      if (!v) return v.error();
      j["handoff_indicator"] = *v;
      j["handoff_indicator_name"] = handoff_indicator_name(*v);
      return w::Errc::ok;
    }
    case mo::access_technology_type: {
      const auto v = w::decode_access_technology_type(o);
      if (!v) return v.error();
      j["access_technology_type"] = *v;
      j["access_technology_type_name"] = access_technology_name(*v);
      return w::Errc::ok;
    }
    case mo::mobile_node_link_layer_identifier: {
      const auto v = w::decode_mobile_node_link_layer_identifier(o);
      if (!v) return v.error();
      j["identifier"] = to_hex(*v);
      return w::Errc::ok;
    }
    case mo::link_local_address: {
      const auto v = w::decode_link_local_address(o);
      if (!v) return v.error();
      j["address"] = v->to_string();
      return w::Errc::ok;
    }
    case mo::timestamp: {
      const auto v = w::decode_timestamp(o);
      if (!v) return v.error();
      j["timestamp"] = v->raw;
      j["seconds"] = v->seconds();
      j["fraction"] = v->fraction();
      return w::Errc::ok;
    }
    default:
      j["data"] = to_hex(o.data);
      return w::Errc::ok;
  }
}

void mobility_message_fields(const w::MobilityHeaderView& mh, Json& m) {
  switch (mh.type()) {
    case w::mh_type::binding_refresh_request:
      break;  // only reserved octets
    case w::mh_type::home_test_init:
      if (const auto v = w::HomeTestInitView::from(mh)) m["home_init_cookie"] = v->home_init_cookie();
      break;
    case w::mh_type::care_of_test_init:
      if (const auto v = w::CareOfTestInitView::from(mh))
        m["care_of_init_cookie"] = v->care_of_init_cookie();
      break;
    case w::mh_type::home_test:
      if (const auto v = w::HomeTestView::from(mh)) {
        m["home_nonce_index"] = v->home_nonce_index();
        m["home_init_cookie"] = v->home_init_cookie();
        m["home_keygen_token"] = v->home_keygen_token();
      }
      break;
    case w::mh_type::care_of_test:
      if (const auto v = w::CareOfTestView::from(mh)) {
        m["care_of_nonce_index"] = v->care_of_nonce_index();
        m["care_of_init_cookie"] = v->care_of_init_cookie();
        m["care_of_keygen_token"] = v->care_of_keygen_token();
      }
      break;
    case w::mh_type::binding_update:
      if (const auto v = w::BindingUpdateView::from(mh)) {
        m["sequence"] = v->sequence();
        m["flags"] = v->flags();
        m["flag_names"] = flag_names(v->flags(), bu_flag_table);
        m["lifetime_units"] = v->lifetime_units();
        m["lifetime_seconds"] = v->lifetime_seconds();
      }
      break;
    case w::mh_type::binding_ack:
      if (const auto v = w::BindingAckView::from(mh)) {
        m["status"] = v->status();
        m["status_name"] = ba_status_name(v->status());
        m["accepted"] = v->accepted();
        m["flags"] = v->flags();
        m["flag_names"] = flag_names(v->flags(), ba_flag_table);
        m["sequence"] = v->sequence();
        m["lifetime_units"] = v->lifetime_units();
        m["lifetime_seconds"] = v->lifetime_seconds();
      }
      break;
    case w::mh_type::binding_error:
      if (const auto v = w::BindingErrorView::from(mh)) {
        m["status"] = v->status();
        m["status_name"] = be_status_name(v->status());
        m["home_address"] = v->home_address().to_string();
      }
      break;
    default:
      break;  // MobilityHeaderView::parse refuses unknown types
  }
}

std::optional<Json> decode_mobility(const w::Ipv6View& ip, const w::ExtensionChain& chain,
                                    w::ByteSpan upper, Json& errors) {
  const auto mh = w::MobilityHeaderView::parse(upper);
  if (!mh) {
    add_error(errors, "mobility", mh.error());
    return std::nullopt;
  }
  const auto [pseudo_src, pseudo_dst] = pseudo_addresses(ip, chain);
  const bool checksum_ok = mh->checksum_valid(pseudo_src, pseudo_dst);

  Json m = Json::object();
  m["type"] = mh->type();
  m["type_name"] = mh_type_name(mh->type());
  m["payload_proto"] = mh->payload_proto();
  m["header_len"] = mh->header_len();
  m["length"] = mh->size();
  m["reserved"] = mh->reserved();
  m["checksum"] = mh->checksum();
  m["checksum_valid"] = checksum_verdict(checksum_verifiable(chain), checksum_ok);
  m["pseudo_source"] = pseudo_src.to_string();
  m["pseudo_destination"] = pseudo_dst.to_string();
  if (!checksum_ok && checksum_verifiable(chain))
    add_error(errors, "mobility", w::Errc::bad_mobility_header_checksum);
  mobility_message_fields(*mh, m);

  Json options = Json::array();
  bool option_error = false;
  w::MobilityOptionReader reader(*mh);
  while (!reader.done()) {
    const auto o = reader.next();
    if (!o) {
      add_error(errors, "mobility_options", o.error());
      option_error = true;
      break;
    }
    Json entry = Json::object();
    entry["offset"] = o->offset;
    entry["type"] = o->type;
    entry["name"] = mobility_option_name(o->type);
    entry["length"] = o->type == w::mobility_option::pad1 ? Json(nullptr) : Json(o->data.size());
    if (const w::Errc e = mobility_option_fields(*o, entry); e != w::Errc::ok) {
      entry["error"] = str(w::name(e));
      entry["data"] = to_hex(o->data);
      add_error(errors, "mobility_option", e);
      option_error = true;
    }
    options.push_back(std::move(entry));
  }
  m["options"] = std::move(options);

  w::MobilityOptionSet set;
  const w::Errc set_error = w::decode_mobility_options(*mh, set);
  if (set_error != w::Errc::ok && !option_error) add_error(errors, "mobility_options", set_error);
  m["options_valid"] = set_error == w::Errc::ok;
  if (set_error == w::Errc::ok) {
    m["option_counts"] = Json{{"duplicates", set.duplicate_count},
                              {"unknown", set.unknown_count},
                              {"home_network_prefixes", set.home_network_prefix_count}};
  }
  // Alignment is a sender's rule (RFC 6275 6.2): reported, not an error.
  m["options_aligned"] = w::verify_mobility_option_alignment(*mh) == w::Errc::ok;
  return m;
}

// ---------------------------------------------------------------------------
// ICMPv6 and Neighbour Discovery

Json decode_packet(w::ByteSpan bytes, unsigned depth, bool summary_only);

// The invoking packet of an ICMPv6 error is usually cut short, so its
// Payload Length promises more than is there. Ipv6View refuses that; to show
// what is present the packet is decoded from a copy whose Payload Length is
// lowered to the bytes present (the original value is reported as declared).
Json invoking_json(w::ByteSpan invoking, unsigned depth) {
  Json j = Json::object();
  j["length"] = invoking.size();
  if (depth >= max_depth) {
    j["not_decoded"] = "nesting limit";
    return j;
  }
  const auto ip = w::Ipv6View::parse(invoking);
  if (ip || ip.error() != w::Errc::payload_length_exceeds_buffer) {
    j["truncated"] = false;
    const Json packet = decode_packet(invoking, depth + 1, true);
    for (const auto& [key, value] : packet.items()) j[key] = value;
    return j;
  }
  std::vector<std::uint8_t> copy(invoking.begin(), invoking.end());
  const std::uint16_t declared = w::load_be16(copy.data() + 4);  // the Payload Length field
  w::store_be16(copy.data() + 4, static_cast<std::uint16_t>(copy.size() - w::ipv6_header_size));
  j["truncated"] = true;
  const Json packet = decode_packet(copy, depth + 1, true);
  for (const auto& [key, value] : packet.items()) j[key] = value;
  if (j.contains("ipv6")) j["ipv6"]["payload_length"] = declared;
  return j;
}

Json nd_options_json(const w::NdOptions& options) {
  Json list = Json::array();
  for (const w::NdOption o : options) {
    Json j = Json::object();
    j["type"] = o.type;
    j["name"] = nd_option_name(o.type);
    j["length"] = o.bytes.size();
    w::Errc e = w::Errc::ok;
    switch (o.type) {
      case w::nd_option_type::source_link_layer_address:
      case w::nd_option_type::target_link_layer_address: {
        const auto mac = w::decode_link_layer_address(o);
        if (mac) j["address"] = mac->to_string();
        else e = mac.error();
        break;
      }
      case w::nd_option_type::prefix_information: {
        const auto info = w::decode_prefix_information(o);
        if (info) {
          j["prefix"] = info->prefix.to_string();
          j["prefix_length"] = info->prefix.length;
          j["on_link"] = info->on_link;
          j["autonomous"] = info->autonomous;
          j["other_flags"] = info->other_flags;
          j["valid_lifetime"] = info->valid_lifetime;
          j["preferred_lifetime"] = info->preferred_lifetime;
        } else {
          e = info.error();
        }
        break;
      }
      case w::nd_option_type::mtu: {
        const auto mtu = w::decode_mtu_option(o);
        if (mtu) j["mtu"] = *mtu;
        else e = mtu.error();
        break;
      }
      default:
        j["data"] = to_hex(o.bytes.subspan(2));
        break;
    }
    // Options a message does not use are not checked by the library (RFC
    // 4861: ignored), so a bad one is noted here but is no packet error.
    if (e != w::Errc::ok) j["error"] = str(w::name(e));
    list.push_back(std::move(j));
  }
  return list;
}

void add_nd_error(Json& errors, w::Errc e) {
  // The checksum was already checked and reported at the ICMPv6 layer.
  if (e != w::Errc::bad_icmpv6_checksum) add_error(errors, "nd", e);
}

void decode_nd(const w::Ipv6View& ip, w::ByteSpan upper, std::uint8_t type, Json& j,
               Json& errors) {
  switch (type) {
    case w::icmpv6_type::router_solicitation: {
      const auto v = w::parse_router_solicitation(ip, upper);
      if (!v) return add_nd_error(errors, v.error());
      j["options"] = nd_options_json(v->raw_options());
      break;
    }
    case w::icmpv6_type::router_advertisement: {
      const auto v = w::parse_router_advertisement(ip, upper);
      if (!v) return add_nd_error(errors, v.error());
      j["cur_hop_limit"] = v->cur_hop_limit();
      j["managed"] = v->managed();
      j["other_config"] = v->other_config();
      j["other_flags"] = v->other_flags();
      j["router_lifetime"] = v->router_lifetime();
      j["reachable_time"] = v->reachable_time();
      j["retrans_timer"] = v->retrans_timer();
      j["options"] = nd_options_json(v->raw_options());
      break;
    }
    case w::icmpv6_type::neighbour_solicitation: {
      const auto v = w::parse_neighbour_solicitation(ip, upper);
      if (!v) return add_nd_error(errors, v.error());
      j["target"] = v->target().to_string();
      j["duplicate_address_detection"] = v->is_duplicate_address_detection();
      j["options"] = nd_options_json(v->raw_options());
      break;
    }
    case w::icmpv6_type::neighbour_advertisement: {
      const auto v = w::parse_neighbour_advertisement(ip, upper);
      if (!v) return add_nd_error(errors, v.error());
      j["router"] = v->router();
      j["solicited"] = v->solicited();
      j["override"] = v->override_flag();
      j["target"] = v->target().to_string();
      j["options"] = nd_options_json(v->raw_options());
      break;
    }
    default:
      break;
  }
}

template <class View>
void decode_icmpv6_error(const w::Icmpv6View& icmp, unsigned depth, Json& j, Json& errors) {
  const auto v = View::parse(icmp);
  if (!v) return add_error(errors, "icmpv6", v.error());
  if constexpr (std::is_same_v<View, w::PacketTooBigView>) {
    j["mtu"] = v->mtu();
    j["path_mtu_estimate"] = v->path_mtu_estimate();
  }
  if constexpr (std::is_same_v<View, w::ParameterProblemView>) j["pointer"] = v->pointer();
  j["invoking"] = invoking_json(v->invoking_packet(), depth);
}

std::optional<Json> decode_icmpv6(const w::Ipv6View& ip, const w::ExtensionChain& chain,
                                  w::ByteSpan upper, unsigned depth, Json& errors) {
  const auto icmp = w::Icmpv6View::parse(upper);
  if (!icmp) {
    add_error(errors, "icmpv6", icmp.error());
    return std::nullopt;
  }
  const auto [pseudo_src, pseudo_dst] = pseudo_addresses(ip, chain);
  const bool checksum_ok = icmp->checksum_valid(pseudo_src, pseudo_dst);
  Json j = Json::object();
  j["type"] = icmp->type();
  j["type_name"] = icmpv6_type_name(icmp->type());
  j["code"] = icmp->code();
  if (const std::string code_name = icmpv6_code_name(icmp->type(), icmp->code()); !code_name.empty())
    j["code_name"] = code_name;
  j["checksum"] = icmp->checksum();
  j["checksum_valid"] = checksum_verdict(checksum_verifiable(chain), checksum_ok);
  j["length"] = upper.size();
  if (!checksum_ok && checksum_verifiable(chain))
    add_error(errors, "icmpv6", w::Errc::bad_icmpv6_checksum);

  switch (icmp->type()) {
    case w::icmpv6_type::echo_request:
    case w::icmpv6_type::echo_reply: {
      const auto v = w::EchoView::parse(*icmp);
      if (!v) {
        add_error(errors, "icmpv6", v.error());
        break;
      }
      j["identifier"] = v->identifier();
      j["sequence"] = v->sequence();
      j["data"] = to_hex(v->data());
      break;
    }
    case w::icmpv6_type::destination_unreachable:
      decode_icmpv6_error<w::DestinationUnreachableView>(*icmp, depth, j, errors);
      break;
    case w::icmpv6_type::packet_too_big:
      decode_icmpv6_error<w::PacketTooBigView>(*icmp, depth, j, errors);
      break;
    case w::icmpv6_type::time_exceeded:
      decode_icmpv6_error<w::TimeExceededView>(*icmp, depth, j, errors);
      break;
    case w::icmpv6_type::parameter_problem:
      decode_icmpv6_error<w::ParameterProblemView>(*icmp, depth, j, errors);
      break;
    case w::icmpv6_type::router_solicitation:
    case w::icmpv6_type::router_advertisement:
    case w::icmpv6_type::neighbour_solicitation:
    case w::icmpv6_type::neighbour_advertisement:
      decode_nd(ip, upper, icmp->type(), j, errors);
      break;
    default:
      j["body"] = to_hex(icmp->body());
      break;
  }
  return j;
}

// ---------------------------------------------------------------------------
// ip6ip6, UDP/TCP, and the packet as a whole

std::optional<Json> decode_tunnel(const w::Ipv6View& ip, unsigned depth, Json& errors) {
  const auto t = w::decapsulate(ip.packet());
  if (!t) {
    add_error(errors, "tunnel", t.error());
    return std::nullopt;
  }
  Json j = Json::object();
  j["outer_src"] = t->outer_src.to_string();
  j["outer_dst"] = t->outer_dst.to_string();
  j["outer_traffic_class"] = t->outer_traffic_class;
  j["inner_offset"] = t->inner_offset;
  if (depth + 1 >= max_depth) {
    j["inner"] = Json{{"not_decoded", "nesting limit"}};
  } else {
    j["inner"] = decode_packet(t->inner.packet(), depth + 1, false);
  }
  return j;
}

// UDP and TCP: only the ports, the first two 16-bit fields of both headers.
Json ports_json(w::ByteSpan upper) {
  Json j = Json::object();
  if (upper.size() < 4) {
    j["truncated"] = true;
    return j;
  }
  j["src_port"] = w::load_be16(upper.data());
  j["dst_port"] = w::load_be16(upper.data() + 2);
  return j;
}

Json decode_packet(w::ByteSpan bytes, unsigned depth, bool summary_only) {
  Json out = Json::object();
  Json errors = Json::array();
  const auto ip = w::Ipv6View::parse(bytes);
  if (!ip) {
    add_error(errors, "ipv6", ip.error());
    out["errors"] = std::move(errors);
    return out;
  }
  out["ipv6"] = ipv6_json(*ip);
  const auto chain = w::walk_extension_chain(*ip);
  if (!chain) {
    add_error(errors, "extensions", chain.error());
    out["errors"] = std::move(errors);
    return out;
  }
  out["extensions"] = chain_json(*chain);

  const w::ByteSpan upper = ip->packet().subspan(chain->upper_offset);
  const std::uint8_t proto = chain->upper_protocol;
  Json summary = Json::object();
  summary["protocol"] = proto;
  summary["name"] = protocol_name(proto);
  summary["offset"] = chain->upper_offset;
  summary["length"] = upper.size();
  summary["later_fragment"] = chain->later_fragment;
  out["upper"] = std::move(summary);

  if (!chain->later_fragment) {
    if (proto == w::ipproto::udp || proto == w::ipproto::tcp) {
      out[protocol_name(proto)] = ports_json(upper);
    } else if (!summary_only) {
      std::optional<Json> layer;
      if (proto == w::ipproto::mobility) {
        layer = decode_mobility(*ip, *chain, upper, errors);
        if (layer) out["mobility"] = std::move(*layer);
      } else if (proto == w::ipproto::icmpv6) {
        layer = decode_icmpv6(*ip, *chain, upper, depth, errors);
        if (layer) out["icmpv6"] = std::move(*layer);
      } else if (proto == w::ipproto::ipv6) {
        layer = decode_tunnel(*ip, depth, errors);
        if (layer) out["tunnel"] = std::move(*layer);
      }
    }
  }
  out["errors"] = std::move(errors);
  return out;
}

std::string mac_text(const w::MacAddr& m) { return m.to_string(); }

}  // namespace

Json decode_ipv6_packet(w::ByteSpan packet, unsigned depth) {
  return decode_packet(packet, depth, false);
}

Json decode_frame(w::ByteSpan frame, LinkType link, const FrameInfo& info) {
  Json out = Json::object();
  out["frame"] = info.number;
  if (info.timestamp) out["timestamp"] = *info.timestamp;
  out["length"] = frame.size();
  if (info.original_length) out["original_length"] = *info.original_length;

  w::ByteSpan packet = frame;
  if (link == LinkType::ethernet) {
    const auto eth = w::EthernetView::parse(frame);
    if (!eth) {
      Json errors = Json::array();
      add_error(errors, "ethernet", eth.error());
      out["errors"] = std::move(errors);
      return out;
    }
    Json e = Json::object();
    e["dst"] = mac_text(eth->dst());
    e["src"] = mac_text(eth->src());
    e["ethertype"] = eth->ethertype();
    e["vlan_id"] = eth->tagged() ? Json(eth->vlan_id()) : Json(nullptr);
    out["ethernet"] = std::move(e);
    if (eth->ethertype() != w::ethertype::ipv6) {
      char text[40];
      std::snprintf(text, sizeof text, "ethertype 0x%04x", eth->ethertype());
      out["not_decoded"] = text;
      out["errors"] = Json::array();
      return out;
    }
    packet = eth->payload();
  }
  const Json decoded = decode_packet(packet, 0, false);
  for (const auto& [key, value] : decoded.items()) out[key] = value;
  return out;
}

}  // namespace roam6::tools
