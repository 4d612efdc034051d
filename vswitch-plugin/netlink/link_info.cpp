#include "vswitch-plugin/netlink/link_info.hpp"

namespace roam6::vswitch {

std::string_view to_string(OperState state) noexcept {
  switch (state) {
    case OperState::unknown: return "unknown";
    case OperState::not_present: return "notpresent";
    case OperState::down: return "down";
    case OperState::lower_layer_down: return "lowerlayerdown";
    case OperState::testing: return "testing";
    case OperState::dormant: return "dormant";
    case OperState::up: return "up";
  }
  return "invalid";
}

std::string_view to_string(LinkChange::Kind kind) noexcept {
  switch (kind) {
    case LinkChange::Kind::appeared: return "appeared";
    case LinkChange::Kind::changed: return "changed";
    case LinkChange::Kind::vanished: return "vanished";
  }
  return "invalid";
}

}  // namespace roam6::vswitch
