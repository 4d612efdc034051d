// roam6-build: reads a JSON description of one packet on standard input and
// writes the IPv6 packet (or Ethernet frame) as hex on standard output. Every
// byte comes from roam6_wire's builders: MobilityPacketWriter and
// MobilityHeaderWriter (with the Home Address option and type 2 routing
// header builders), the ICMPv6 and Neighbour Discovery builders, and the
// ip6ip6 encapsulation. Field names are those roam6-decode --json prints.

#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hex.hpp"
#include "roam6/wire/address.hpp"
#include "roam6/wire/errors.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/ipv6.hpp"
#include "roam6/wire/mobility_header.hpp"
#include "roam6/wire/mobility_options.hpp"
#include "roam6/wire/mobility_packet.hpp"
#include "roam6/wire/mobility_writer.hpp"
#include "roam6/wire/nd_options.hpp"
#include "roam6/wire/neighbour_discovery.hpp"
#include "roam6/wire/tunnel.hpp"

namespace {

namespace w = roam6::wire;
using Json = nlohmann::json;
using Bytes = std::vector<std::uint8_t>;

constexpr std::string_view help_text = R"(NAME
    roam6-build - write one packet described in JSON, using roam6's wire builders

SYNOPSIS
    roam6-build < PACKET.json
    roam6-build --lines < PACKETS.jsonl
    roam6-build --help

DESCRIPTION
    Reads one JSON object on standard input and writes the packet it
    describes as hexadecimal on standard output: the IPv6 packet, or the
    Ethernet frame when the object has an "ethernet" member. Every byte is
    written by roam6's wire library builders; roam6-build only reads JSON.
    Field names are the ones roam6-decode --json prints. Unknown fields are
    errors, so a typo cannot silently fall back to a default.

    Common fields: "layer" (below), "src", "dst", and for Mobility Header
    and ICMPv6 packets "hop_limit" (64), "traffic_class" (0), "flow_label" (0).
    Top level only: "ethernet": {"src": MAC, "dst": MAC}.

    Mobility Header layers (RFC 6275), with "hao" (Home Address option),
    "rh2" (type 2 routing header) and "options" (a list, in order):
      binding_refresh_request
      home_test_init       home_init_cookie
      care_of_test_init    care_of_init_cookie
      home_test            home_nonce_index home_init_cookie home_keygen_token
      care_of_test         care_of_nonce_index care_of_init_cookie care_of_keygen_token
      binding_update       sequence flags lifetime_units
                           (flags: a number or letters of A H L K M R P F T B)
      binding_ack          status flags sequence lifetime_units
                           (flags: a number or letters of K R P T B)
      binding_error        status home_address
    Mobility options, {"type": NAME, fields...}; Pad1/PadN are added by the
    writer for alignment:
      binding_refresh_advice           interval_units
      alternate_care_of_address        address
      nonce_indices                    home_nonce_index care_of_nonce_index
      binding_authorization_data       authenticator (hex, 12 octets; zeros)
      mobile_node_identifier           subtype (1) and identifier (text) or identifier_hex
      message_authentication           subtype spi authenticator (hex; 12 zero octets)
      replay_protection                timestamp
      home_network_prefix              prefix_length prefix
      handoff_indicator                handoff_indicator
      access_technology_type           access_technology_type
      mobile_node_link_layer_identifier identifier (hex)
      link_local_address               address
      timestamp                        timestamp

    ICMPv6 layers (RFC 4443); "invoking" is hex or a nested packet object:
      echo_request, echo_reply   identifier sequence data (hex)
      destination_unreachable    code invoking
      packet_too_big             mtu invoking
      time_exceeded              code invoking
      parameter_problem          code pointer invoking

    Neighbour Discovery layers (RFC 4861; hop limit is always 255):
      router_solicitation      src dst (ff02::2) source_link_layer
      router_advertisement     src dst (ff02::1) cur_hop_limit managed other_config
                               other_flags router_lifetime reachable_time
                               retrans_timer source_link_layer mtu prefixes
                               (each: prefix ("2001:db8::/64", or an address
                               with prefix_length) on_link autonomous
                               other_flags valid_lifetime preferred_lifetime)
      neighbour_solicitation   src target dst (solicited-node) source_link_layer
      neighbour_advertisement  src dst (ff02::1) target router solicited override
                               target_link_layer

    Tunnel (RFC 2473):
      ip6ip6   src dst (tunnel end points) hop_limit encapsulation_limit
               traffic_class / flow_label (fixed values; copied or derived
               from the inner packet when absent) flow_label_key
               origin ("forwarded" or "local") inner (hex or packet object)

OPTIONS
    --lines     Read one JSON object per line and write one hex line each.
    -h, --help  Print this text.

EXIT STATUS
    0 on success; 1 when the description is not valid JSON, names unknown
    fields or values, or a builder refuses it (its typed error is printed).

EXAMPLE
    echo '{"layer":"binding_update","src":"2001:db8:b::100","dst":"2001:db8:a::1",
           "hao":"2001:db8:a::100","sequence":7,"flags":["A","H"],
           "lifetime_units":150,"options":[{"type":"replay_protection","timestamp":123}]}' |
      roam6-build | roam6-decode --ip --hex -
)";

struct BuildError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& message) { throw BuildError(message); }

[[noreturn]] void fail(std::string_view what, w::Errc e) {
  fail(std::string(what) + ": " + std::string(w::name(e)) + ": " + std::string(w::describe(e)));
}

// One JSON object whose members are read by name; every member must be read.
class Fields {
 public:
  Fields(const Json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j.is_object()) fail(where_ + ": expected a JSON object");
  }

  [[nodiscard]] bool has(const std::string& key) const { return j_.contains(key); }

  const Json& get(const std::string& key) {
    if (!j_.contains(key)) fail(where_ + ": missing \"" + key + "\"");
    used_.insert(key);
    return j_.at(key);
  }

  template <class T>
  T uint(const std::string& key, std::optional<T> fallback = std::nullopt) {
    if (!has(key)) {
      if (fallback) return *fallback;
      fail(where_ + ": missing \"" + key + "\"");
    }
    const Json& v = get(key);
    if (!v.is_number_unsigned())  // JSON parsing gives non-negative integers this type
      fail(where_ + ": \"" + key + "\" must be a non-negative integer");
    const auto value = v.get<std::uint64_t>();
    if (value > std::numeric_limits<T>::max())
      fail(where_ + ": \"" + key + "\" is above " + std::to_string(std::numeric_limits<T>::max()));
    return static_cast<T>(value);
  }

  bool boolean(const std::string& key, bool fallback) {
    if (!has(key)) return fallback;
    const Json& v = get(key);
    if (!v.is_boolean()) fail(where_ + ": \"" + key + "\" must be true or false");
    return v.get<bool>();
  }

  std::string text(const std::string& key) {
    const Json& v = get(key);
    if (!v.is_string()) fail(where_ + ": \"" + key + "\" must be a string");
    return v.get<std::string>();
  }

  w::Ip6Addr address(const std::string& key) {
    const std::string s = text(key);
    const auto a = w::Ip6Addr::parse(s);
    if (!a) fail(where_ + ": \"" + key + "\" is not an IPv6 address: " + s);
    return *a;
  }
  std::optional<w::Ip6Addr> optional_address(const std::string& key) {
    if (!has(key)) return std::nullopt;
    return address(key);
  }

  w::MacAddr mac(const std::string& key) {
    const std::string s = text(key);
    const auto m = w::MacAddr::parse(s);
    if (!m) fail(where_ + ": \"" + key + "\" is not a MAC address: " + s);
    return *m;
  }
  std::optional<w::MacAddr> optional_mac(const std::string& key) {
    if (!has(key)) return std::nullopt;
    return mac(key);
  }

  Bytes hex(const std::string& key, Bytes fallback = {}) {
    if (!has(key)) return fallback;
    const std::string s = text(key);
    auto bytes = roam6::tools::from_hex(s);
    if (!bytes) fail(where_ + ": \"" + key + "\" is not hexadecimal bytes");
    return *bytes;
  }

  // Every member must have been read: a typo must not fall back to a default.
  void done() const {
    for (const auto& item : j_.items()) {
      if (used_.count(item.key()) == 0) fail(where_ + ": unknown field \"" + item.key() + "\"");
    }
  }

  [[nodiscard]] const std::string& where() const { return where_; }

 private:
  const Json& j_;
  std::string where_;
  std::set<std::string> used_;
};

// Room for any IPv6 packet plus a tunnel header in front.
constexpr std::size_t buffer_size = 65535 + 40 + 64;

Bytes build_packet(const Json& j, const std::string& where, unsigned depth);

// "invoking" / "inner": hex text, or a nested packet description.
Bytes nested_packet(Fields& f, const std::string& key, unsigned depth) {
  const Json& v = f.get(key);
  if (v.is_string()) {
    auto bytes = roam6::tools::from_hex(v.get<std::string>());
    if (!bytes) fail(f.where() + ": \"" + key + "\" is not hexadecimal bytes");
    return *bytes;
  }
  if (depth >= 8) fail(f.where() + ": packets nested too deep");
  return build_packet(v, f.where() + "." + key, depth + 1);
}

// ---------------------------------------------------------------------------
// Mobility Header

std::uint16_t flag_bits(Fields& f, bool binding_update) {
  if (!f.has("flags")) return 0;
  const Json& v = f.get("flags");
  if (v.is_number_unsigned()) {
    const auto bits = v.get<std::uint64_t>();
    if (bits > (binding_update ? 0xffffu : 0xffu)) fail(f.where() + ": \"flags\" out of range");
    return static_cast<std::uint16_t>(bits);
  }
  if (!v.is_array()) fail(f.where() + ": \"flags\" must be a number or a list of letters");
  std::uint16_t bits = 0;
  for (const Json& e : v) {
    if (!e.is_string()) fail(f.where() + ": \"flags\" must list letters");
    const std::string letter = e.get<std::string>();
    std::uint16_t bit = 0;
    if (binding_update) {
      if (letter == "A") bit = w::bu_flag::acknowledge;
      if (letter == "H") bit = w::bu_flag::home_registration;
      if (letter == "L") bit = w::bu_flag::link_local_compatibility;
      if (letter == "K") bit = w::bu_flag::key_management;
      if (letter == "M") bit = w::bu_flag::map_registration;
      if (letter == "R") bit = w::bu_flag::mobile_router;
      if (letter == "P") bit = w::bu_flag::proxy_registration;
      if (letter == "F") bit = w::bu_flag::force_udp_encapsulation;
      if (letter == "T") bit = w::bu_flag::tlv_header_format;
      if (letter == "B") bit = w::bu_flag::bulk_binding_update;
    } else {
      if (letter == "K") bit = w::ba_flag::key_management;
      if (letter == "R") bit = w::ba_flag::mobile_router;
      if (letter == "P") bit = w::ba_flag::proxy_registration;
      if (letter == "T") bit = w::ba_flag::tlv_header_format;
      if (letter == "B") bit = w::ba_flag::bulk_binding_update;
    }
    if (bit == 0) fail(f.where() + ": unknown flag \"" + letter + "\"");
    bits = static_cast<std::uint16_t>(bits | bit);
  }
  return bits;
}

void add_option(w::MobilityHeaderWriter& mh, const Json& j, const std::string& where) {
  Fields f(j, where);
  const std::string type = f.text("type");
  if (type == "binding_refresh_advice") {
    mh.add_binding_refresh_advice(f.uint<std::uint16_t>("interval_units"));
  } else if (type == "alternate_care_of_address") {
    mh.add_alternate_care_of_address(f.address("address"));
  } else if (type == "nonce_indices") {
    const auto home = f.uint<std::uint16_t>("home_nonce_index");
    mh.add_nonce_indices(home, f.uint<std::uint16_t>("care_of_nonce_index"));
  } else if (type == "binding_authorization_data") {
    const Bytes value = f.hex("authenticator", Bytes(w::binding_authorization_data_length, 0));
    const w::MutableByteSpan slot = mh.add_binding_authorization_data();
    if (!slot.empty()) {
      if (value.size() != slot.size())
        fail(where + ": the authenticator is " + std::to_string(slot.size()) + " octets");
      std::memcpy(slot.data(), value.data(), slot.size());
    }
  } else if (type == "mobile_node_identifier") {
    const auto subtype = f.uint<std::uint8_t>("subtype", w::mn_identifier_subtype::nai);
    Bytes id;
    if (f.has("identifier")) {
      const std::string s = f.text("identifier");
      id.assign(s.begin(), s.end());
    } else {
      id = f.hex("identifier_hex");
    }
    mh.add_mobile_node_identifier(subtype, id);
  } else if (type == "message_authentication") {
    const auto subtype = f.uint<std::uint8_t>("subtype", w::mobility_auth_subtype::mn_ha);
    const auto spi = f.uint<std::uint32_t>("spi");
    const Bytes value = f.hex("authenticator", Bytes(12, 0));
    const w::MutableByteSpan slot = mh.add_message_authentication(subtype, spi, value.size());
    if (!slot.empty()) std::memcpy(slot.data(), value.data(), slot.size());
  } else if (type == "replay_protection") {
    mh.add_replay_protection(f.uint<std::uint64_t>("timestamp"));
  } else if (type == "home_network_prefix") {
    const auto length = f.uint<std::uint8_t>("prefix_length");
    mh.add_home_network_prefix(length, f.address("prefix"));
  } else if (type == "handoff_indicator") {
    mh.add_handoff_indicator(f.uint<std::uint8_t>("handoff_indicator"));
  } else if (type == "access_technology_type") {
    mh.add_access_technology_type(f.uint<std::uint8_t>("access_technology_type"));
  } else if (type == "mobile_node_link_layer_identifier") {
    mh.add_mobile_node_link_layer_identifier(f.hex("identifier"));
  } else if (type == "link_local_address") {
    mh.add_link_local_address(f.address("address"));
  } else if (type == "timestamp") {
    mh.add_timestamp(f.uint<std::uint64_t>("timestamp"));
  } else if (type == "pad1" || type == "padn") {
    fail(where + ": padding is the writer's to add (RFC 6275 6.2 alignment)");
  } else {
    fail(where + ": unknown mobility option type \"" + type + "\"");
  }
  f.done();
}

Bytes build_mobility(Fields& f, const std::string& layer, unsigned /*depth*/) {
  w::MobilityPacketFields pf;
  pf.src = f.address("src");
  pf.dst = f.address("dst");
  pf.home_address_option = f.optional_address("hao");
  pf.type2_home_address = f.optional_address("rh2");
  pf.hop_limit = f.uint<std::uint8_t>("hop_limit", 64);
  pf.traffic_class = f.uint<std::uint8_t>("traffic_class", 0);
  pf.flow_label = f.uint<std::uint32_t>("flow_label", 0);

  Bytes buffer(buffer_size);
  w::MobilityPacketWriter pw(buffer, pf);
  w::MobilityHeaderWriter& mh = pw.mh();
  if (layer == "binding_refresh_request") {
    mh.begin_binding_refresh_request();
  } else if (layer == "home_test_init") {
    mh.begin_home_test_init(f.uint<std::uint64_t>("home_init_cookie"));
  } else if (layer == "care_of_test_init") {
    mh.begin_care_of_test_init(f.uint<std::uint64_t>("care_of_init_cookie"));
  } else if (layer == "home_test") {
    w::HomeTestFields h;
    h.home_nonce_index = f.uint<std::uint16_t>("home_nonce_index");
    h.home_init_cookie = f.uint<std::uint64_t>("home_init_cookie");
    h.home_keygen_token = f.uint<std::uint64_t>("home_keygen_token");
    mh.begin_home_test(h);
  } else if (layer == "care_of_test") {
    w::CareOfTestFields c;
    c.care_of_nonce_index = f.uint<std::uint16_t>("care_of_nonce_index");
    c.care_of_init_cookie = f.uint<std::uint64_t>("care_of_init_cookie");
    c.care_of_keygen_token = f.uint<std::uint64_t>("care_of_keygen_token");
    mh.begin_care_of_test(c);
  } else if (layer == "binding_update") {
    w::BindingUpdateFields bu;
    bu.sequence = f.uint<std::uint16_t>("sequence");
    bu.flags = flag_bits(f, true);
    bu.lifetime_units = f.uint<std::uint16_t>("lifetime_units");
    mh.begin_binding_update(bu);
  } else if (layer == "binding_ack") {
    w::BindingAckFields ba;
    ba.status = f.uint<std::uint8_t>("status", w::ba_status::accepted);
    ba.flags = static_cast<std::uint8_t>(flag_bits(f, false));
    ba.sequence = f.uint<std::uint16_t>("sequence");
    ba.lifetime_units = f.uint<std::uint16_t>("lifetime_units");
    mh.begin_binding_ack(ba);
  } else {  // binding_error
    w::BindingErrorFields be;
    be.status = f.uint<std::uint8_t>("status", w::be_status::unknown_binding_for_home_address_option);
    be.home_address = f.address("home_address");
    mh.begin_binding_error(be);
  }
  if (f.has("options")) {
    const Json& options = f.get("options");
    if (!options.is_array()) fail(f.where() + ": \"options\" must be a list");
    for (std::size_t i = 0; i < options.size(); ++i)
      add_option(mh, options[i], f.where() + ".options[" + std::to_string(i) + "]");
  }
  // Authenticators were copied in as the options were added; finish() pads
  // the MH, sets the lengths and computes the checksum over the final bytes.
  const auto size = pw.finish();
  if (!size) fail(f.where() + ": " + layer, size.error());
  buffer.resize(*size);
  return buffer;
}

// ---------------------------------------------------------------------------
// ICMPv6 and Neighbour Discovery

w::Icmpv6Envelope envelope(Fields& f) {
  w::Icmpv6Envelope e;
  e.src = f.address("src");
  e.dst = f.address("dst");
  e.hop_limit = f.uint<std::uint8_t>("hop_limit", 64);
  e.traffic_class = f.uint<std::uint8_t>("traffic_class", 0);
  e.flow_label = f.uint<std::uint32_t>("flow_label", 0);
  return e;
}

// Takes the buffer by reference: finish(buffer, write_x(buffer, ...)) must
// not copy it before the builder has written into it.
Bytes finish(Bytes& buffer, const w::Result<std::size_t>& size, const Fields& f,
             const std::string& layer) {
  if (!size) fail(f.where() + ": " + layer, size.error());
  buffer.resize(*size);
  return std::move(buffer);
}

Bytes build_icmpv6(Fields& f, const std::string& layer, unsigned depth) {
  const w::Icmpv6Envelope env = envelope(f);
  Bytes buffer(buffer_size);
  if (layer == "echo_request" || layer == "echo_reply") {
    const auto id = f.uint<std::uint16_t>("identifier");
    const auto seq = f.uint<std::uint16_t>("sequence");
    const Bytes data = f.hex("data");
    return finish(buffer,
                  layer == "echo_request" ? w::write_echo_request(buffer, env, id, seq, data)
                                          : w::write_echo_reply(buffer, env, id, seq, data),
                  f, layer);
  }
  if (layer == "destination_unreachable") {
    const auto code = f.uint<std::uint8_t>("code");
    const Bytes invoking = nested_packet(f, "invoking", depth);
    return finish(buffer, w::write_destination_unreachable(buffer, env, code, invoking), f, layer);
  }
  if (layer == "packet_too_big") {
    const auto mtu = f.uint<std::uint32_t>("mtu");
    const Bytes invoking = nested_packet(f, "invoking", depth);
    return finish(buffer, w::write_packet_too_big(buffer, env, mtu, invoking), f, layer);
  }
  if (layer == "time_exceeded") {
    const auto code = f.uint<std::uint8_t>("code");
    const Bytes invoking = nested_packet(f, "invoking", depth);
    return finish(buffer, w::write_time_exceeded(buffer, env, code, invoking), f, layer);
  }
  // parameter_problem
  const auto code = f.uint<std::uint8_t>("code");
  const auto pointer = f.uint<std::uint32_t>("pointer");
  const Bytes invoking = nested_packet(f, "invoking", depth);
  return finish(buffer, w::write_parameter_problem(buffer, env, code, pointer, invoking), f, layer);
}

w::PrefixInformation prefix_information(const Json& j, const std::string& where) {
  Fields f(j, where);
  w::PrefixInformation info;
  const std::string text = f.text("prefix");
  if (text.find('/') != std::string::npos) {
    const auto prefix = w::Ip6Prefix::parse(text);
    if (!prefix) fail(where + ": \"prefix\" is not a prefix (host bits must be zero): " + text);
    info.prefix = *prefix;
  } else {
    // An address and a length, host bits as given (the builder clears them).
    const auto address = w::Ip6Addr::parse(text);
    if (!address) fail(where + ": \"prefix\" is not an IPv6 address: " + text);
    info.prefix.address = *address;
    info.prefix.length = f.uint<std::uint8_t>("prefix_length");
  }
  info.on_link = f.boolean("on_link", true);
  info.autonomous = f.boolean("autonomous", true);
  info.other_flags = f.uint<std::uint8_t>("other_flags", 0);
  info.valid_lifetime = f.uint<std::uint32_t>("valid_lifetime", info.valid_lifetime);
  info.preferred_lifetime = f.uint<std::uint32_t>("preferred_lifetime", info.preferred_lifetime);
  f.done();
  return info;
}

Bytes build_nd(Fields& f, const std::string& layer) {
  Bytes buffer(buffer_size);
  if (layer == "router_solicitation") {
    w::RouterSolicitationFields rs;
    rs.src = f.address("src");
    if (f.has("dst")) rs.dst = f.address("dst");
    rs.source_link_layer = f.optional_mac("source_link_layer");
    return finish(buffer, w::write_router_solicitation(buffer, rs), f, layer);
  }
  if (layer == "router_advertisement") {
    w::RouterAdvertisementFields ra;
    ra.src = f.address("src");
    if (f.has("dst")) ra.dst = f.address("dst");
    ra.cur_hop_limit = f.uint<std::uint8_t>("cur_hop_limit", ra.cur_hop_limit);
    ra.managed = f.boolean("managed", false);
    ra.other_config = f.boolean("other_config", false);
    ra.other_flags = f.uint<std::uint8_t>("other_flags", 0);
    ra.router_lifetime = f.uint<std::uint16_t>("router_lifetime", ra.router_lifetime);
    ra.reachable_time = f.uint<std::uint32_t>("reachable_time", 0);
    ra.retrans_timer = f.uint<std::uint32_t>("retrans_timer", 0);
    ra.source_link_layer = f.optional_mac("source_link_layer");
    if (f.has("mtu")) ra.mtu = f.uint<std::uint32_t>("mtu");
    std::vector<w::PrefixInformation> prefixes;
    if (f.has("prefixes")) {
      const Json& list = f.get("prefixes");
      if (!list.is_array()) fail(f.where() + ": \"prefixes\" must be a list");
      for (std::size_t i = 0; i < list.size(); ++i)
        prefixes.push_back(
            prefix_information(list[i], f.where() + ".prefixes[" + std::to_string(i) + "]"));
    }
    ra.prefixes = prefixes;
    return finish(buffer, w::write_router_advertisement(buffer, ra), f, layer);
  }
  if (layer == "neighbour_solicitation") {
    w::NeighbourSolicitationFields ns;
    ns.src = f.address("src");
    ns.target = f.address("target");
    ns.dst = f.optional_address("dst");
    ns.source_link_layer = f.optional_mac("source_link_layer");
    return finish(buffer, w::write_neighbour_solicitation(buffer, ns), f, layer);
  }
  // neighbour_advertisement
  w::NeighbourAdvertisementFields na;
  na.src = f.address("src");
  if (f.has("dst")) na.dst = f.address("dst");
  na.target = f.address("target");
  na.router = f.boolean("router", false);
  na.solicited = f.boolean("solicited", false);
  na.override_flag = f.boolean("override", true);
  na.target_link_layer = f.optional_mac("target_link_layer");
  return finish(buffer, w::write_neighbour_advertisement(buffer, na), f, layer);
}

// ---------------------------------------------------------------------------
// ip6ip6

Bytes build_tunnel(Fields& f, unsigned depth) {
  w::TunnelConfig config;
  config.src = f.address("src");
  config.dst = f.address("dst");
  config.hop_limit = f.uint<std::uint8_t>("hop_limit", w::default_tunnel_hop_limit);
  if (f.has("encapsulation_limit"))
    config.encapsulation_limit = f.uint<std::uint8_t>("encapsulation_limit");
  if (f.has("traffic_class")) {
    config.traffic_class_policy = w::TrafficClassPolicy::fixed;
    config.fixed_traffic_class = f.uint<std::uint8_t>("traffic_class");
  }
  if (f.has("flow_label")) {
    config.flow_label_policy = w::FlowLabelPolicy::fixed;
    config.fixed_flow_label = f.uint<std::uint32_t>("flow_label");
  }
  config.flow_label_key = f.uint<std::uint32_t>("flow_label_key", 0);
  w::InnerOrigin origin = w::InnerOrigin::forwarded;
  if (f.has("origin")) {
    const std::string o = f.text("origin");
    if (o == "local") origin = w::InnerOrigin::local;
    else if (o != "forwarded") fail(f.where() + ": \"origin\" is \"forwarded\" or \"local\"");
  }
  const Bytes inner = nested_packet(f, "inner", depth);

  // Headroom for the largest tunnel header, then the inner packet.
  constexpr std::size_t headroom =
      w::tunnel_ipv6_header_size + w::tunnel_encapsulation_limit_header_size;
  Bytes buffer(headroom + inner.size());
  if (!inner.empty()) std::memcpy(buffer.data() + headroom, inner.data(), inner.size());
  const auto result = w::encapsulate(buffer, headroom, config, origin);
  if (!result) fail(f.where() + ": ip6ip6", result.error());
  return Bytes(buffer.begin() + static_cast<std::ptrdiff_t>(result->outer_offset),
               buffer.begin() + static_cast<std::ptrdiff_t>(result->outer_offset + result->length));
}

// ---------------------------------------------------------------------------

bool is_one_of(const std::string& s, std::initializer_list<std::string_view> names) {
  for (const std::string_view n : names)
    if (s == n) return true;
  return false;
}

Bytes build_packet(const Json& j, const std::string& where, unsigned depth) {
  Fields f(j, where);
  const std::string layer = f.text("layer");
  Bytes packet;
  if (is_one_of(layer, {"binding_refresh_request", "home_test_init", "care_of_test_init",
                        "home_test", "care_of_test", "binding_update", "binding_ack",
                        "binding_error"})) {
    packet = build_mobility(f, layer, depth);
  } else if (is_one_of(layer, {"echo_request", "echo_reply", "destination_unreachable",
                               "packet_too_big", "time_exceeded", "parameter_problem"})) {
    packet = build_icmpv6(f, layer, depth);
  } else if (is_one_of(layer, {"router_solicitation", "router_advertisement",
                               "neighbour_solicitation", "neighbour_advertisement"})) {
    packet = build_nd(f, layer);
  } else if (layer == "ip6ip6") {
    packet = build_tunnel(f, depth);
  } else {
    fail(where + ": unknown layer \"" + layer + "\" (see --help)");
  }
  if (depth == 0 && f.has("ethernet")) {
    Fields eth(f.get("ethernet"), where + ".ethernet");
    const w::MacAddr src = eth.mac("src");
    const w::MacAddr dst = eth.mac("dst");
    const auto type = eth.uint<std::uint16_t>("ethertype", w::ethertype::ipv6);
    eth.done();
    Bytes frame(w::ethernet_header_size + packet.size());
    const auto written = w::write_ethernet_header(frame, dst, src, type);
    if (!written) fail(where + ".ethernet", written.error());
    std::memcpy(frame.data() + *written, packet.data(), packet.size());
    packet = std::move(frame);
  }
  f.done();
  return packet;
}

std::string build_text(const std::string& text, const std::string& where) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    fail(where + ": not JSON: " + e.what());
  }
  return roam6::tools::to_hex(build_packet(j, where, 0));
}

}  // namespace

int main(int argc, char** argv) {
  bool lines = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << help_text;
      return 0;
    }
    if (a == "--lines") {
      lines = true;
      continue;
    }
    std::cerr << "roam6-build: unknown argument " << a << " (see --help)\n";
    return 1;
  }
  try {
    if (!lines) {
      std::ostringstream all;
      all << std::cin.rdbuf();
      std::cout << build_text(all.str(), "packet") << '\n';
      return 0;
    }
    std::string line;
    std::size_t number = 0;
    while (std::getline(std::cin, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::cout << build_text(line, "line " + std::to_string(number)) << '\n';
    }
    return 0;
  } catch (const BuildError& e) {
    std::cout.flush();
    std::cerr << "roam6-build: " << e.what() << '\n';
    return 1;
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "roam6-build: " << e.what() << '\n';
    return 1;
  }
}
