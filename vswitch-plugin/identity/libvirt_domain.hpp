#pragma once
// What roam6 needs from a libvirt domain's XML: its name and UUID, its
// Open vSwitch interfaces, and roam6's own metadata element, which says
// where each interface's home address lives:
//
//   <metadata>
//     <roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
//       <roam6:interface mac="52:54:00:00:00:01"
//                        home-address="2001:db8:a::100" home-site="paris"
//                        sequence="4711"/>      (optional; roam6 writes it)
//     </roam6:guest>
//   </metadata>
//
// (docs/vswitch-plugin.md documents the element for operators.) The same
// parser serves the plugin, which reads the copies the migration hooks keep,
// and the hooks themselves.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "roam6/wire/address.hpp"

namespace roam6::vswitch {

inline constexpr std::string_view roam6_libvirt_namespace = "https://roam6.dev/xmlns/libvirt/1";

// The domain XML is not well-formed, or roam6's element in it is wrong
// (the message names the element and attribute).
class DomainXmlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DomainInterface {
  wire::MacAddr mac;
  std::string interface_id;  // <virtualport type='openvswitch'><parameters interfaceid=.../>
  std::string target_dev;    // <target dev='vnet0'/>, once libvirt chose it
  std::string bridge;        // <source bridge='br-int'/>
};

// A further address of the guest's home prefix that a host learned it uses
// (mip6d's host.learned_addresses), with the last sequence number of its own
// registration there: <roam6:address home-address=... sequence=.../> inside
// the interface's element, kept current by roam6-libvirt-events.
struct LearnedAddress {
  wire::Ip6Addr address;
  std::optional<std::uint16_t> sequence;
  bool operator==(const LearnedAddress&) const = default;
};

struct HomeOfInterface {
  wire::MacAddr mac;
  wire::Ip6Addr home_address;
  std::string home_site;
  // The last Binding Update sequence number the host the guest runs on used
  // for it (`sequence=`), kept current by roam6-libvirt-events there; it
  // travels with the domain XML to a migration's destination.
  std::optional<std::uint16_t> sequence;
  std::vector<LearnedAddress> learned{};
};

struct LibvirtDomain {
  std::string name;
  std::string uuid;  // lower case, as OVS's external_ids:vm-id holds it
  std::vector<DomainInterface> interfaces;  // Open vSwitch ones only
  std::vector<HomeOfInterface> homes;       // from roam6's metadata element

  [[nodiscard]] const HomeOfInterface* home_of(const wire::MacAddr& mac) const;
};

// The name mip6d knows the guest of one of the domain's interfaces by: the
// domain's name, with the MAC after a '/' when roam6's element lists more
// than one interface. The plugin and the hooks must agree on it.
std::string guest_name(const LibvirtDomain& domain, const HomeOfInterface& home);

// Throws DomainXmlError. Never fetches anything from the network and
// expands no external entity.
LibvirtDomain parse_libvirt_domain(std::string_view xml);

}  // namespace roam6::vswitch
