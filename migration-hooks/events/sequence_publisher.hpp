#pragma once
// The sequence-number hand-over of a live migration, through libvirt: the
// destination's first Binding Update must be newer than the source's last,
// or the Home Agent answers 135 and the switch costs one more round trip.
// libvirt fires no hook on the source before the guest leaves it, but the
// domain XML travels with the migration (the destination's `migrate begin`
// hook reads it). So roam6-libvirt-events keeps each running roam6 guest's
// last sequence number in its domain's live metadata
// (<roam6:interface ... sequence="N"/>), and roam6-libvirt-hook on the
// destination hands it to mip6d (guest.attach last_sequence). The same for
// the further addresses a host learned the guest uses (host.learned_addresses),
// each with its own last number (<roam6:address home-address=... sequence=.../>),
// so the destination registers them as the guest arrives.
//
// publish() is one pass: mip6d's guest list in, the metadata elements that
// changed out. Pure, apart from the libvirt calls its caller makes.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vswitch-plugin/identity/libvirt_domain.hpp"

namespace roam6::hooks {

// What the host a guest runs on registers for one of its interfaces.
struct Registrations {
  std::optional<std::uint16_t> sequence;         // its home address's last
  std::vector<vswitch::LearnedAddress> learned;  // oldest first
  bool operator==(const Registrations&) const = default;
};

// The registrations of the guests running here, by domain name and MAC,
// from mip6d's guest.list result (guests named "domain" or "domain/MAC").
std::map<std::string, std::map<wire::MacAddr, Registrations>> registrations_by_domain(
    const nlohmann::json& guest_list);

// Whether the element's `home` says less than, or other than, `now`.
bool stale(const vswitch::HomeOfInterface& home, const Registrations& now);

// roam6's metadata element for `homes` with `registrations` written in (an
// interface without a known number keeps the one it had). The element as
// virDomainSetMetadata takes it: no namespace prefix, libvirt adds it.
std::string metadata_element(const std::vector<vswitch::HomeOfInterface>& homes,
                             const std::map<wire::MacAddr, Registrations>& registrations);

// The homes in the element virDomainGetMetadata returned (libvirt gives it
// without its namespace: <guest><interface .../></guest>); throws
// vswitch::DomainXmlError.
std::vector<vswitch::HomeOfInterface> homes_in_element(const std::string& element);

}  // namespace roam6::hooks
