#include "datapath/tools/replay_spec.hpp"

#include <fstream>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

namespace roam6::datapath::replay {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw SpecError(where + ": " + what);
}

void require_object(const json& j, const std::string& where) {
  if (!j.is_object()) fail(where, "expected a JSON object");
}

// Rejects members outside `known`: a misspelt field must not be ignored.
void only_fields(const json& j, const std::string& where,
                 std::initializer_list<std::string_view> known) {
  require_object(j, where);
  for (const auto& [key, value] : j.items()) {
    bool found = false;
    for (auto k : known) found = found || key == k;
    if (!found) fail(where, "unknown field \"" + key + "\"");
  }
}

std::string text_at(const json& j, const std::string& where) {
  if (!j.is_string()) fail(where, "expected a string");
  return j.get<std::string>();
}

Ip6Addr address_at(const json& j, const std::string& where) {
  auto parsed = Ip6Addr::parse(text_at(j, where));
  if (!parsed) fail(where, "not an IPv6 address: " + j.get<std::string>());
  return *parsed;
}

std::vector<wire::Ip6Prefix> prefixes_at(const json& j, const std::string& where) {
  if (!j.is_array()) fail(where, "expected a list of IPv6 prefixes");
  std::vector<wire::Ip6Prefix> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    auto parsed = wire::Ip6Prefix::parse(text_at(j[i], at));
    if (!parsed) fail(at, "not an IPv6 prefix (address/length, host bits zero): " + j[i].get<std::string>());
    out.push_back(*parsed);
  }
  return out;
}

MacAddr mac_at(const json& j, const std::string& where) {
  auto parsed = MacAddr::parse(text_at(j, where));
  if (!parsed) fail(where, "not a MAC address: " + j.get<std::string>());
  return *parsed;
}

bool bool_at(const json& j, const std::string& where) {
  if (!j.is_boolean()) fail(where, "expected true or false");
  return j.get<bool>();
}

template <typename Unsigned>
Unsigned unsigned_at(const json& j, const std::string& where) {
  if (!j.is_number_unsigned()) fail(where, "expected a non-negative integer");
  const auto value = j.get<std::uint64_t>();
  if (value > std::numeric_limits<Unsigned>::max()) fail(where, "value too large");
  return static_cast<Unsigned>(value);
}

// Assigns the member when present (every setting has a default).
template <typename T, typename Read>
void optional_member(const json& j, const std::string& where, const char* name, T& target,
                     Read read) {
  if (auto it = j.find(name); it != j.end()) target = read(*it, where + "." + name);
}

template <typename T, typename Read>
void required_member(const json& j, const std::string& where, const char* name, T& target,
                     Read read) {
  auto it = j.find(name);
  if (it == j.end()) fail(where, std::string("missing field \"") + name + "\"");
  target = read(*it, where + "." + name);
}

TunnelSettings tunnel_settings_at(const json& j, const std::string& where) {
  only_fields(j, where, {"hop_limit", "flow_label_key"});
  TunnelSettings s;
  optional_member(j, where, "hop_limit", s.hop_limit, unsigned_at<std::uint8_t>);
  optional_member(j, where, "flow_label_key", s.flow_label_key, unsigned_at<std::uint32_t>);
  return s;
}

IcmpErrorSettings icmp_error_settings_at(const json& j, const std::string& where) {
  only_fields(j, where, {"per_second", "burst"});
  IcmpErrorSettings s;
  optional_member(j, where, "per_second", s.per_second, unsigned_at<std::uint32_t>);
  optional_member(j, where, "burst", s.burst, unsigned_at<std::uint32_t>);
  return s;
}

ReassemblySettings reassembly_settings_at(const json& j, const std::string& where) {
  only_fields(j, where, {"packets", "timeout_ms"});
  ReassemblySettings s;
  optional_member(j, where, "packets", s.packets, unsigned_at<std::uint32_t>);
  optional_member(j, where, "timeout_ms", s.timeout_ms, unsigned_at<std::uint32_t>);
  return s;
}

HoldSettings hold_settings_at(const json& j, const std::string& where) {
  only_fields(j, where, {"packets_per_guest", "guests", "timeout_ms"});
  HoldSettings s;
  optional_member(j, where, "packets_per_guest", s.packets_per_guest, unsigned_at<std::uint32_t>);
  optional_member(j, where, "guests", s.guests, unsigned_at<std::uint32_t>);
  optional_member(j, where, "timeout_ms", s.timeout_ms, unsigned_at<std::uint32_t>);
  return s;
}

HostSettings host_settings_at(const json& j, const std::string& where) {
  only_fields(j, where,
              {"care_of_address", "uplink_mac", "next_hop_mac", "uplink_mtu", "tunnel",
               "icmp_errors", "reassembly", "hold", "liveness_interval_ms"});
  HostSettings s;
  required_member(j, where, "care_of_address", s.care_of_address, address_at);
  required_member(j, where, "uplink_mac", s.uplink_mac, mac_at);
  required_member(j, where, "next_hop_mac", s.next_hop_mac, mac_at);
  optional_member(j, where, "uplink_mtu", s.uplink_mtu, unsigned_at<std::uint32_t>);
  optional_member(j, where, "tunnel", s.tunnel, tunnel_settings_at);
  optional_member(j, where, "icmp_errors", s.icmp_errors, icmp_error_settings_at);
  optional_member(j, where, "reassembly", s.reassembly, reassembly_settings_at);
  optional_member(j, where, "hold", s.hold, hold_settings_at);
  optional_member(j, where, "liveness_interval_ms", s.liveness_interval_ms,
                  unsigned_at<std::uint32_t>);
  // Reports go once per interval (datapath/elements/liveness_reports.hpp):
  // an interval of 0 would clear every core's bitmap on every burst.
  if (s.liveness_interval_ms == 0) fail(where + ".liveness_interval_ms", "must be at least 1");
  return s;
}

HomeAgentSettings home_agent_settings_at(const json& j, const std::string& where) {
  only_fields(j, where,
              {"address", "port_mac", "router_mac", "mtu", "home_prefixes", "tunnel", "icmp_errors",
               "reassembly"});
  HomeAgentSettings s;
  required_member(j, where, "address", s.address, address_at);
  required_member(j, where, "port_mac", s.port_mac, mac_at);
  required_member(j, where, "router_mac", s.router_mac, mac_at);
  optional_member(j, where, "mtu", s.mtu, unsigned_at<std::uint32_t>);
  optional_member(j, where, "home_prefixes", s.home_prefixes, prefixes_at);
  optional_member(j, where, "tunnel", s.tunnel, tunnel_settings_at);
  optional_member(j, where, "icmp_errors", s.icmp_errors, icmp_error_settings_at);
  optional_member(j, where, "reassembly", s.reassembly, reassembly_settings_at);
  return s;
}

GuestSpec guest_at(const json& j, const std::string& where) {
  only_fields(j, where,
              {"mac", "home_address", "link_local", "away", "home_agent", "care_of_address",
               "router_mac", "router_link_local", "resumed"});
  GuestSpec g;
  required_member(j, where, "mac", g.mac, mac_at);
  required_member(j, where, "home_address", g.home_address, address_at);
  optional_member(j, where, "link_local", g.link_local, address_at);
  optional_member(j, where, "away", g.away, bool_at);
  optional_member(j, where, "home_agent", g.home_agent, address_at);
  optional_member(j, where, "care_of_address", g.care_of_address, address_at);
  optional_member(j, where, "router_mac", g.router_mac, mac_at);
  optional_member(j, where, "router_link_local", g.router_link_local, address_at);
  optional_member(j, where, "resumed", g.resumed, bool_at);
  if (g.away && g.home_agent.is_unspecified()) fail(where, "an away guest needs \"home_agent\"");
  return g;
}

TunnelSpec tunnel_at(const json& j, const std::string& where) {
  only_fields(j, where, {"home_address", "care_of_address"});
  TunnelSpec t;
  required_member(j, where, "home_address", t.home_address, address_at);
  required_member(j, where, "care_of_address", t.care_of_address, address_at);
  return t;
}

DatapathPort port_at(const json& j, const std::string& where) {
  const auto name = text_at(j, where);
  if (name == "uplink") return DatapathPort::uplink;
  if (name == "guests") return DatapathPort::guests;
  fail(where, "port must be \"uplink\" or \"guests\", not \"" + name + "\"");
}

Step step_at(const json& j, const std::string& where, const std::filesystem::path& base_dir) {
  require_object(j, where);
  if (j.contains("input")) {
    only_fields(j, where, {"input", "pcap"});
    InputStep s;
    required_member(j, where, "input", s.port, port_at);
    std::string file;
    required_member(j, where, "pcap", file, text_at);
    s.pcap =
        std::filesystem::path(file).is_absolute() ? std::filesystem::path(file) : base_dir / file;
    // A devargs string is split at commas; such a path cannot be passed on.
    if (s.pcap.string().find(',') != std::string::npos)
      fail(where + ".pcap", "path contains a comma");
    if (!std::filesystem::is_regular_file(s.pcap))
      fail(where + ".pcap", "no such file: " + s.pcap.string());
    return s;
  }
  if (j.size() != 1)
    fail(where,
         "a step has exactly one of input/set_guest/clear_guest/"
         "set_tunnel/clear_tunnel/wait_ms");
  // The one member, by iterator: items() is a temporary proxy whose entries
  // must not outlive it.
  const auto member = j.begin();
  const std::string key = member.key();
  const json& value = member.value();
  const auto inner = where + "." + key;
  if (key == "set_guest") return SetGuestStep{guest_at(value, inner)};
  if (key == "clear_guest") return ClearGuestStep{mac_at(value, inner)};
  if (key == "set_tunnel") return SetTunnelStep{tunnel_at(value, inner)};
  if (key == "clear_tunnel") return ClearTunnelStep{address_at(value, inner)};
  if (key == "wait_ms") return WaitStep{unsigned_at<std::uint32_t>(value, inner)};
  fail(where, "unknown step \"" + key + "\"");
}

}  // namespace

std::string_view port_name(DatapathPort port) noexcept {
  return port == DatapathPort::uplink ? "uplink" : "guests";
}

ReplaySpec parse_replay_spec(const std::string& json_text, const std::filesystem::path& base_dir) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw SpecError(std::string("spec is not valid JSON: ") + e.what());
  }
  only_fields(j, "spec",
              {"role", "host", "home_agent", "guests", "tunnels", "steps", "punt_ring_size"});
  ReplaySpec spec;
  optional_member(j, "spec", "punt_ring_size", spec.punt_ring_size, unsigned_at<std::uint32_t>);
  if (spec.punt_ring_size == 0 || spec.punt_ring_size > (1u << 20))
    fail("spec.punt_ring_size", "must be 1 .. 1048576");
  std::string role;
  required_member(j, "spec", "role", role, text_at);
  if (role == "host") {
    spec.role = Role::host;
    required_member(j, "spec", "host", spec.host, host_settings_at);
    if (j.contains("home_agent"))
      fail("spec", "role host takes \"host\" settings, not \"home_agent\"");
  } else if (role == "home_agent") {
    spec.role = Role::home_agent;
    required_member(j, "spec", "home_agent", spec.home_agent, home_agent_settings_at);
    if (j.contains("host"))
      fail("spec", "role home_agent takes \"home_agent\" settings, not \"host\"");
  } else {
    fail("spec.role", "must be \"host\" or \"home_agent\", not \"" + role + "\"");
  }
  auto list_at = [&](const char* name) -> const json* {
    auto it = j.find(name);
    if (it == j.end()) return nullptr;
    if (!it->is_array()) fail(std::string("spec.") + name, "expected a list");
    return &*it;
  };
  if (const auto* guests = list_at("guests")) {
    for (std::size_t i = 0; i < guests->size(); ++i)
      spec.guests.push_back(guest_at((*guests)[i], "spec.guests[" + std::to_string(i) + "]"));
  }
  if (const auto* tunnels = list_at("tunnels")) {
    for (std::size_t i = 0; i < tunnels->size(); ++i)
      spec.tunnels.push_back(tunnel_at((*tunnels)[i], "spec.tunnels[" + std::to_string(i) + "]"));
  }
  if (const auto* steps = list_at("steps")) {
    for (std::size_t i = 0; i < steps->size(); ++i)
      spec.steps.push_back(step_at((*steps)[i], "spec.steps[" + std::to_string(i) + "]", base_dir));
  }
  for (const auto& step : spec.steps) {
    if (const auto* input = std::get_if<InputStep>(&step);
        input && spec.role == Role::home_agent && input->port == DatapathPort::guests)
      fail("spec.steps", "the Home Agent role has only the uplink port");
  }
  return spec;
}

ReplaySpec load_replay_spec(const std::filesystem::path& spec_file) {
  std::ifstream in(spec_file);
  if (!in) throw SpecError("cannot read " + spec_file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_replay_spec(text.str(), std::filesystem::absolute(spec_file).parent_path());
}

}  // namespace roam6::datapath::replay
