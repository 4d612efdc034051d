#pragma once
// A VM port as the rest of roam6 sees it: one OVSDB Interface row of the
// integration bridge, reduced to what identifies the guest behind it. The
// OVSDB monitor reports these; the agent turns them into guest events and flows.

#include <cstdint>
#include <optional>
#include <string>

#include "roam6/wire/address.hpp"

namespace roam6::vswitch {

struct VmPort {
  std::string uuid;                       // Interface row _uuid
  std::string name;                       // Interface name (vnet0, tap..., veth...)
  std::string type;                       // Interface type: "", "tap", "system", "internal", "dpdkvhostuserclient", ...
  std::string bridge;                     // the Bridge whose Port holds this Interface ("" if none yet)
  std::optional<std::uint32_t> ofport;    // set once vswitchd assigned one (>0); nullopt for [] or -1
  std::optional<wire::MacAddr> attached_mac;   // external_ids:attached-mac
  std::optional<wire::MacAddr> mac_in_use;     // column mac_in_use
  std::string iface_id;                   // external_ids:iface-id
  std::string vm_id;                      // external_ids:vm-id, else external_ids:vm-uuid (OpenStack)
  bool active = true;                     // external_ids:iface-status is not "inactive" (absent = active)
  std::optional<wire::Ip6Addr> home_address;   // external_ids:roam6-home-address
  std::string home_site;                  // external_ids:roam6-home-site
  bool operator==(const VmPort&) const = default;
};

struct PortChange {
  enum class Kind { added, changed, removed } kind;
  std::optional<VmPort> before, after;
};

}  // namespace roam6::vswitch
