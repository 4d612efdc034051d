#include "vswitch-plugin/agent/guest_identity.hpp"

#include <algorithm>

namespace roam6::vswitch {

std::string_view to_string(IdentitySource source) noexcept {
  switch (source) {
    case IdentitySource::libvirt_metadata: return "libvirt-metadata";
    case IdentitySource::external_ids: return "external-ids";
    case IdentitySource::configuration: return "configuration";
  }
  return "?";
}

std::optional<GuestIdentity> identify(const VmPort& port, const LibvirtDomain* domain,
                                      const std::vector<ConfiguredGuest>& configured) {
  // Without attached-mac the port is not a guest's (or libvirt did not say
  // whose): nothing can be matched, and the MAC is what the flows check.
  if (!port.attached_mac) return std::nullopt;
  const wire::MacAddr mac = *port.attached_mac;

  if (domain != nullptr) {
    if (const HomeOfInterface* home = domain->home_of(mac)) {
      return GuestIdentity{guest_name(*domain, *home), mac, home->home_address, home->home_site,
                           IdentitySource::libvirt_metadata};
    }
  }
  if (port.home_address && !port.home_site.empty()) {
    return GuestIdentity{port.iface_id.empty() ? port.name : port.iface_id, mac, *port.home_address,
                         port.home_site, IdentitySource::external_ids};
  }
  const auto listed = std::find_if(configured.begin(), configured.end(),
                                   [&](const ConfiguredGuest& g) { return g.mac == mac; });
  if (listed != configured.end())
    return GuestIdentity{listed->name, mac, listed->home_address, listed->home_site,
                         IdentitySource::configuration};
  return std::nullopt;
}

}  // namespace roam6::vswitch
