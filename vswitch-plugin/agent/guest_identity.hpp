#pragma once
// Who the guest behind a VM port is: its name for mip6d, its MAC, home
// address and home site. Sources, first match wins (docs/vswitch-plugin.md):
//   1. the libvirt domain's roam6 metadata element (the domain file the
//      migration hooks keep, found by the port's external_ids:vm-id);
//   2. the port's own external_ids:roam6-home-address / roam6-home-site;
//   3. mip6d's [[guests]] list, by the port's attached-mac.
// The name must be the same on every host the guest visits, since the
// migration hooks name it too: the domain name (with the MAC when the
// domain has several roam6 interfaces), else the iface-id (libvirt's
// interfaceid, which migrates with the domain), else the configured name.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "roam6/wire/address.hpp"
#include "vswitch-plugin/identity/libvirt_domain.hpp"
#include "vswitch-plugin/ovsdb/vm_port.hpp"

namespace roam6::vswitch {

enum class IdentitySource { libvirt_metadata, external_ids, configuration };
std::string_view to_string(IdentitySource source) noexcept;

struct GuestIdentity {
  std::string name;
  wire::MacAddr mac;
  wire::Ip6Addr home_address;
  std::string home_site;
  IdentitySource source = IdentitySource::configuration;
  bool operator==(const GuestIdentity&) const = default;
};

struct ConfiguredGuest {  // one [[guests]] entry of mip6d's configuration
  std::string name;
  wire::MacAddr mac;
  wire::Ip6Addr home_address;
  std::string home_site;
};

// `domain`: the port's libvirt domain, when its file is there.
std::optional<GuestIdentity> identify(const VmPort& port, const LibvirtDomain* domain,
                                      const std::vector<ConfiguredGuest>& configured);

}  // namespace roam6::vswitch
