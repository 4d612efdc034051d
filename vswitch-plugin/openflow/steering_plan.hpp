#pragma once
// The OpenFlow 1.3 steering rules of the integration bridge, as a pure
// function of the bridge's state (docs/vswitch-openflow.md). No I/O:
// the same state always gives the same lines, in the same order, so a plan
// can be compared with the previous one to decide whether to reinstall.
//
// Tables (every flow carries our cookie):
//   0    admission: from the datapath -> 2; from a VM port, only its own MAC
//        and (when its home address is known) only its home address, its
//        EUI-64 link-local and :: as IPv6 source -> 1; anything else dropped
//        by a flow whose priority names the reason (see DropReason).
//   1    from a VM port: explicit L2 switching (never NORMAL); multicast
//        from an away guest to the datapath only, from a guest at home -> 3.
//   2    from the datapath: to the VM port owning dl_dst; multicast only to
//        guests at home (an away guest must not hear the foreign site).
//   3    the home link: one multicast flow to the datapath and every guest
//        at home (OVS skips the sender's own port).
//   250  the canary: vswitchd forgets every flow when it restarts; a missing
//        canary tells the keeper to reinstall.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "roam6/wire/address.hpp"

namespace roam6::vswitch {

// "Roam6\0\0\0": ours, and nobody else's, on the integration bridge.
inline constexpr std::uint64_t kDefaultCookie = 0x526f616d36000000ULL;

// Where the guest behind a VM port is, as far as steering cares.
// unknown: a VM port we could not identify; treated like a guest at home,
// with only the MAC check (we do not know which source address is its own).
enum class GuestKind { away, home, unknown };
std::string_view to_string(GuestKind kind) noexcept;

struct SteeredPort {
  std::string name;  // OVS Interface name, for logs and counters
  std::uint32_t ofport = 0;
  wire::MacAddr mac;
  GuestKind kind = GuestKind::unknown;
  std::optional<wire::Ip6Addr> home_address;  // ignored for GuestKind::unknown
  // Set when mip6d learns the addresses guests form (host.learned_addresses):
  // any source in the guest's home prefix is admitted, and the datapath's
  // ingress filter, which knows each address the guest may use, checks it.
  std::optional<wire::Ip6Prefix> home_prefix{};
  bool operator==(const SteeredPort&) const = default;
};

struct BridgeState {
  std::optional<std::uint32_t> datapath_ofport;  // nullopt until OVSDB gives it
  std::vector<SteeredPort> ports;                // VM ports with an ofport and a MAC
  std::uint64_t cookie = kDefaultCookie;
  bool operator==(const BridgeState&) const = default;
};

// Table 0 priorities. Each drop has its own priority, so a dumped flow's
// (table, priority) names the reason and its in_port names the port.
namespace priority {
inline constexpr std::uint16_t from_datapath = 300;
inline constexpr std::uint16_t allowed_source = 200;   // MAC + IPv6 source
inline constexpr std::uint16_t spoofed_source = 150;   // drop: IPv6 from its MAC, foreign source
inline constexpr std::uint16_t allowed_mac = 100;      // non-IPv6 (ARP, RARP) from its MAC
inline constexpr std::uint16_t spoofed_mac = 50;       // drop: any other source MAC
inline constexpr std::uint16_t table_miss = 0;         // drop
// Tables 1 and 2.
inline constexpr std::uint16_t to_local_guest = 100;   // dl_dst = a VM port's MAC
inline constexpr std::uint16_t multicast = 50;         // dl_dst has the group bit
inline constexpr std::uint16_t home_multicast = 40;    // table 1: the group bit from a guest at home
inline constexpr std::uint16_t other_unicast = 10;     // table 1: on to the datapath
}  // namespace priority

namespace table {
inline constexpr std::uint8_t admission = 0;
inline constexpr std::uint8_t from_guest = 1;
inline constexpr std::uint8_t from_datapath = 2;
inline constexpr std::uint8_t home_link = 3;
inline constexpr std::uint8_t canary = 250;
}  // namespace table

// A port left out of the plan (all its frames fall to the table-miss drop).
struct ExcludedPort {
  std::string name;
  std::string reason;  // "invalid_ofport", "datapath_ofport", "duplicate_ofport", "duplicate_mac", "multicast_mac"
  bool operator==(const ExcludedPort&) const = default;
};

struct SteeringPlan {
  // Flow specifications in ovs-ofctl syntax ("cookie=0x..,table=0,
  // priority=300,in_port=1,actions=goto_table:2"), without the "add"
  // keyword. Deterministic order: table, then priority (high first), then
  // ofport.
  std::vector<std::string> flows;
  std::vector<ExcludedPort> excluded;
  bool operator==(const SteeringPlan&) const = default;
};

SteeringPlan plan_steering(const BridgeState& state);

// The canary flow's spec (also in every plan).
std::string canary_flow(std::uint64_t cookie);

// Why a table-0 flow of ours drops, from its dumped priority.
enum class DropReason { spoofed_mac, spoofed_source };
std::string_view to_string(DropReason reason) noexcept;
std::optional<DropReason> drop_reason_of(std::uint8_t table, std::uint16_t priority) noexcept;

// "0x526f616d36000000"
std::string cookie_text(std::uint64_t cookie);

}  // namespace roam6::vswitch
