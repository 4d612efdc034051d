#include "vswitch-plugin/ovsdb/port_changes.hpp"

namespace roam6::vswitch::ovsdb {

std::vector<PortChange> diff_ports(const PortMap& before, const PortMap& after) {
  std::vector<PortChange> changes;
  auto old_it = before.begin();
  auto new_it = after.begin();
  while (old_it != before.end() || new_it != after.end()) {
    if (new_it == after.end() || (old_it != before.end() && old_it->first < new_it->first)) {
      changes.push_back({PortChange::Kind::removed, old_it->second, std::nullopt});
      ++old_it;
    } else if (old_it == before.end() || new_it->first < old_it->first) {
      changes.push_back({PortChange::Kind::added, std::nullopt, new_it->second});
      ++new_it;
    } else {
      if (!(old_it->second == new_it->second)) {
        changes.push_back({PortChange::Kind::changed, old_it->second, new_it->second});
      }
      ++old_it;
      ++new_it;
    }
  }
  return changes;
}

const char* to_string(PortChange::Kind kind) noexcept {
  switch (kind) {
    case PortChange::Kind::added:
      return "added";
    case PortChange::Kind::changed:
      return "changed";
    case PortChange::Kind::removed:
      return "removed";
  }
  return "?";
}

}  // namespace roam6::vswitch::ovsdb
