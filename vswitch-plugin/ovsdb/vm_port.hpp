#pragma once
// A VM port as OVSDB describes it (placeholder until the ovsdb component lands).
#include <cstdint>
#include <optional>
#include <string>

#include "roam6/wire/address.hpp"

namespace roam6::vswitch {

struct VmPort {
  std::string uuid;
  std::string name;
  std::string type;
  std::string bridge;
  std::optional<std::uint32_t> ofport;
  std::optional<wire::MacAddr> attached_mac;
  std::optional<wire::MacAddr> mac_in_use;
  std::string iface_id;
  std::string vm_id;
  bool active = true;
  std::optional<wire::Ip6Addr> home_address;
  std::string home_site;
  bool operator==(const VmPort&) const = default;
};

struct PortChange {
  enum class Kind { added, changed, removed } kind;
  std::optional<VmPort> before, after;
};

}  // namespace roam6::vswitch
