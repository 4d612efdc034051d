#pragma once
// What the plugin knows about one network interface, as rtnetlink reports it
// (rtnetlink(7), RTM_NEWLINK): the fields that matter to steering guests —
// name, MTU, whether it is up, and its MAC. Everything else the kernel sends
// (statistics, qdisc, ...) is left out on purpose, so a change of it is no
// event.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "roam6/wire/address.hpp"

namespace roam6::vswitch {

// IFLA_OPERSTATE: RFC 2863 ifOperStatus, with the kernel's numbering
// (linux/if.h IF_OPER_*; Documentation/networking/operstates.rst).
enum class OperState : std::uint8_t {
  unknown = 0,
  not_present = 1,
  down = 2,
  lower_layer_down = 3,
  testing = 4,
  dormant = 5,
  up = 6,
};
std::string_view to_string(OperState state) noexcept;

struct LinkInfo {
  std::uint32_t ifindex = 0;
  std::string name;
  std::uint32_t mtu = 0;
  bool admin_up = false;                  // IFF_UP: `ip link set up`
  bool lower_up = false;                  // IFF_LOWER_UP: carrier (a veth's peer is up, a tap is open)
  OperState oper_state = OperState::unknown;  // IFLA_OPERSTATE
  std::optional<wire::MacAddr> mac;       // IFLA_ADDRESS when it is 6 bytes (none for L3 tun)

  bool operator==(const LinkInfo&) const = default;
};

// One change of a watched link. appeared: `after` only; vanished: `before`
// only (its last known state); changed: both, and they differ.
struct LinkChange {
  enum class Kind : std::uint8_t { appeared, changed, vanished };
  Kind kind = Kind::appeared;
  std::optional<LinkInfo> before;
  std::optional<LinkInfo> after;

  // The link as it is now, or as it was last seen for `vanished`.
  [[nodiscard]] const LinkInfo& link() const { return after ? *after : *before; }
  bool operator==(const LinkChange&) const = default;
};
std::string_view to_string(LinkChange::Kind kind) noexcept;

}  // namespace roam6::vswitch
