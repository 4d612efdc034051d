#pragma once
// Derives the VM ports of one bridge from the replica by following OVSDB's
// references Bridge.ports -> Port.interfaces -> Interface, and reads each
// Interface row the way libvirt and OpenStack write it. A row whose columns
// or roam6/libvirt external_ids cannot be read is not a port but a
// SkippedRow with its uuid and the reason, so one bad row never hides the
// others and never stops the monitor.

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vswitch-plugin/ovsdb/replica.hpp"
#include "vswitch-plugin/ovsdb/vm_port.hpp"

namespace roam6::vswitch::ovsdb {

struct SkippedRow {
  std::string table;
  std::string uuid;
  std::string reason;
  bool operator==(const SkippedRow&) const = default;
};

// Keyed by Interface uuid.
using PortMap = std::map<std::string, VmPort>;

struct BridgePorts {
  PortMap ports;
  std::vector<SkippedRow> skipped;
};

// Every Interface on `bridge` (including the bridge's own internal port and
// any non-VM port; the caller chooses by name and type).
BridgePorts read_bridge_ports(const Replica& replica, std::string_view bridge);

// One Interface row as a VmPort, or why it cannot be one.
std::variant<VmPort, std::string> read_interface(const Replica& replica, const std::string& uuid,
                                                 const Replica::Row& row, std::string_view bridge);

}  // namespace roam6::vswitch::ovsdb
