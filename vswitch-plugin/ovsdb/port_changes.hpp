#pragma once
// What changed between two views of a bridge's ports, as the monitor reports
// it: after every update and after a resynchronisation, so that a reconnect
// that found nothing new reports nothing.

#include <vector>

#include "vswitch-plugin/ovsdb/bridge_ports.hpp"
#include "vswitch-plugin/ovsdb/vm_port.hpp"

namespace roam6::vswitch::ovsdb {

// In Interface uuid order; a port present in both but not equal is `changed`.
std::vector<PortChange> diff_ports(const PortMap& before, const PortMap& after);

const char* to_string(PortChange::Kind kind) noexcept;

}  // namespace roam6::vswitch::ovsdb
