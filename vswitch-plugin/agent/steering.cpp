#include "vswitch-plugin/agent/steering.hpp"

namespace roam6::vswitch {

std::string_view to_string(PortKind kind) noexcept {
  switch (kind) {
    case PortKind::away: return "away";
    case PortKind::home: return "home";
    case PortKind::unknown: return "unknown";
  }
  return "?";
}

std::string_view to_string(FlowState state) noexcept {
  switch (state) {
    case FlowState::pending: return "pending";
    case FlowState::installed: return "installed";
    case FlowState::failed: return "failed";
  }
  return "?";
}

}  // namespace roam6::vswitch
