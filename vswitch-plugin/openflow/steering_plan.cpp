#include "vswitch-plugin/openflow/steering_plan.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace roam6::vswitch {
namespace {

// dl_dst with the group bit set: multicast and broadcast.
constexpr const char* kGroupBit = "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00";

// OpenFlow 1.3 reserves 0 and everything from OFPP_MAX (0xffffff00) up.
constexpr std::uint32_t kMaxPhysicalPort = 0xffffff00;

bool hears_multicast(const SteeredPort& port) {
  // An away guest must never hear the foreign site's multicast (its RAs
  // would make it configure a foreign address) nor its own home site's
  // guests' multicast relayed here: only home and unknown guests do.
  return port.kind != GuestKind::away;
}

class FlowWriter {
 public:
  explicit FlowWriter(std::uint64_t cookie) : cookie_(cookie_text(cookie)) {}

  void add(std::uint8_t table_id, std::uint16_t prio, const std::string& match, const std::string& actions) {
    std::string line = "cookie=" + cookie_ + ",table=" + std::to_string(table_id) +
                       ",priority=" + std::to_string(prio);
    if (!match.empty()) line += "," + match;
    line += ",actions=" + actions;
    lines_.push_back(std::move(line));
  }
  std::vector<std::string> take() { return std::move(lines_); }

 private:
  std::string cookie_;
  std::vector<std::string> lines_;
};

std::string in_port(std::uint32_t ofport) { return "in_port=" + std::to_string(ofport); }
std::string output(std::uint32_t ofport) { return "output:" + std::to_string(ofport); }

// Ports that can be steered, ordered by ofport; the others with the reason.
std::vector<SteeredPort> usable_ports(const BridgeState& state, std::vector<ExcludedPort>& excluded) {
  std::map<std::uint32_t, int> ofport_uses;
  std::map<wire::MacAddr, int> mac_uses;
  for (const auto& port : state.ports) {
    ++ofport_uses[port.ofport];
    ++mac_uses[port.mac];
  }
  std::vector<SteeredPort> usable;
  for (const auto& port : state.ports) {
    const char* reason = nullptr;
    if (port.ofport == 0 || port.ofport >= kMaxPhysicalPort) {
      reason = "invalid_ofport";
    } else if (state.datapath_ofport && port.ofport == *state.datapath_ofport) {
      reason = "datapath_ofport";
    } else if (ofport_uses[port.ofport] > 1) {
      reason = "duplicate_ofport";
    } else if (port.mac.is_multicast()) {
      reason = "multicast_mac";
    } else if (mac_uses[port.mac] > 1) {
      // Which port would own dl_dst=M? Neither: both fail closed.
      reason = "duplicate_mac";
    }
    if (reason != nullptr) {
      excluded.push_back({port.name, reason});
    } else {
      usable.push_back(port);
    }
  }
  std::sort(usable.begin(), usable.end(),
            [](const SteeredPort& a, const SteeredPort& b) { return a.ofport < b.ofport; });
  std::sort(excluded.begin(), excluded.end(),
            [](const ExcludedPort& a, const ExcludedPort& b) { return a.name < b.name; });
  return usable;
}

// The IPv6 sources a guest may use, or nothing when only its MAC is checked.
// ipv6_src values: addresses, or the home prefix (ipv6_src=P/len).
std::vector<std::string> allowed_sources(const SteeredPort& port) {
  if (port.kind == GuestKind::unknown || !port.home_address) return {};
  std::vector<wire::Ip6Addr> addresses;
  for (const auto& address : {*port.home_address, wire::link_local_from_mac(port.mac), wire::Ip6Addr{}}) {
    // A home address equal to one of the others would give two identical
    // flows, which OVS merges: the installed count would never match. So
    // would one inside the home prefix admitted whole.
    if (port.home_prefix && port.home_prefix->contains(address)) continue;
    if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) addresses.push_back(address);
  }
  std::vector<std::string> sources;
  if (port.home_prefix) sources.push_back(port.home_prefix->to_string());
  for (const auto& address : addresses) sources.push_back(address.to_string());
  return sources;
}

}  // namespace

std::string_view to_string(GuestKind kind) noexcept {
  switch (kind) {
    case GuestKind::away: return "away";
    case GuestKind::home: return "home";
    case GuestKind::unknown: return "unknown";
  }
  return "?";
}

std::string_view to_string(DropReason reason) noexcept {
  switch (reason) {
    case DropReason::spoofed_mac: return "spoofed_mac";
    case DropReason::spoofed_source: return "spoofed_source";
  }
  return "?";
}

std::optional<DropReason> drop_reason_of(std::uint8_t table_id, std::uint16_t prio) noexcept {
  if (table_id != table::admission) return std::nullopt;
  if (prio == priority::spoofed_mac) return DropReason::spoofed_mac;
  if (prio == priority::spoofed_source) return DropReason::spoofed_source;
  return std::nullopt;
}

std::string cookie_text(std::uint64_t cookie) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(cookie));
  return text;
}

std::string canary_flow(std::uint64_t cookie) {
  return "cookie=" + cookie_text(cookie) + ",table=" + std::to_string(table::canary) +
         ",priority=0,actions=drop";
}

SteeringPlan plan_steering(const BridgeState& state) {
  SteeringPlan plan;
  FlowWriter flows(state.cookie);

  if (!state.datapath_ofport) {
    // Fail closed: without the datapath's port there is nowhere an away
    // guest's frames may go, and a partial plan (guest-to-guest only) would
    // let a guest at home lose its uplink silently. So the plan admits
    // nothing: table 0 holds only its table-miss drop (every frame from
    // every port dropped), plus the canary so the keeper still notices a
    // vswitchd restart. Ports are not listed as excluded: they are fine,
    // the datapath is what is missing.
    flows.add(table::admission, priority::table_miss, "", "drop");
    plan.flows = flows.take();
    plan.flows.push_back(canary_flow(state.cookie));
    return plan;
  }
  const std::uint32_t dp = *state.datapath_ofport;
  const auto ports = usable_ports(state, plan.excluded);

  // Table 0: admission, priorities high to low, ports by ofport.
  flows.add(table::admission, priority::from_datapath, in_port(dp), "goto_table:" + std::to_string(table::from_datapath));
  const std::string to_table1 = "goto_table:" + std::to_string(table::from_guest);
  for (const auto& port : ports) {
    for (const auto& source : allowed_sources(port)) {
      flows.add(table::admission, priority::allowed_source,
                in_port(port.ofport) + ",dl_src=" + port.mac.to_string() + ",ipv6,ipv6_src=" + source,
                to_table1);
    }
  }
  for (const auto& port : ports) {
    if (allowed_sources(port).empty()) continue;
    flows.add(table::admission, priority::spoofed_source,
              in_port(port.ofport) + ",dl_src=" + port.mac.to_string() + ",ipv6", "drop");
  }
  for (const auto& port : ports) {
    flows.add(table::admission, priority::allowed_mac, in_port(port.ofport) + ",dl_src=" + port.mac.to_string(),
              to_table1);
  }
  for (const auto& port : ports) {
    flows.add(table::admission, priority::spoofed_mac, in_port(port.ofport), "drop");
  }
  flows.add(table::admission, priority::table_miss, "", "drop");

  // Table 1: from a VM port.
  for (const auto& port : ports) {
    flows.add(table::from_guest, priority::to_local_guest, "dl_dst=" + port.mac.to_string(), output(port.ofport));
  }
  // Multicast from an away guest goes to the datapath only; from a guest at
  // home, onto the home link (table 3). One shared home-link flow, not one
  // per port listing all the others: a bridge of a thousand guests at home
  // would otherwise carry a million output actions.
  for (const auto& port : ports) {
    if (hears_multicast(port)) continue;
    flows.add(table::from_guest, priority::multicast, in_port(port.ofport) + "," + kGroupBit, output(dp));
  }
  flows.add(table::from_guest, priority::home_multicast, kGroupBit, "goto_table:" + std::to_string(table::home_link));
  flows.add(table::from_guest, priority::other_unicast, "", output(dp));

  // Table 2: from the datapath.
  for (const auto& port : ports) {
    flows.add(table::from_datapath, priority::to_local_guest, "dl_dst=" + port.mac.to_string(), output(port.ofport));
  }
  std::string multicast_actions;
  for (const auto& port : ports) {
    if (!hears_multicast(port)) continue;
    if (!multicast_actions.empty()) multicast_actions += ",";
    multicast_actions += output(port.ofport);
  }
  flows.add(table::from_datapath, priority::multicast, kGroupBit,
            multicast_actions.empty() ? "drop" : multicast_actions);
  flows.add(table::from_datapath, priority::table_miss, "", "drop");

  // Table 3: the home link, as a guest at home sends onto it: the datapath
  // and every guest at home. Not back to the sender: OVS never outputs a
  // frame to its own in_port (ovs-actions(7), "output").
  flows.add(table::home_link, priority::multicast, kGroupBit,
            output(dp) + (multicast_actions.empty() ? "" : "," + multicast_actions));
  flows.add(table::home_link, priority::table_miss, "", "drop");

  plan.flows = flows.take();
  plan.flows.push_back(canary_flow(state.cookie));
  return plan;
}

}  // namespace roam6::vswitch
