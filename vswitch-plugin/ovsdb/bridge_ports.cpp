#include "vswitch-plugin/ovsdb/bridge_ports.hpp"

#include <cstdint>
#include <limits>
#include <optional>

#include "vswitch-plugin/ovsdb/datum.hpp"

namespace roam6::vswitch::ovsdb {

using Json = nlohmann::json;

namespace {

// The uuids a set-of-references column holds; nullopt if it is not one.
std::optional<std::vector<std::string>> references(const Json& value) {
  const auto elements = set_elements(value);
  if (!elements) return std::nullopt;
  std::vector<std::string> uuids;
  for (const auto& element : *elements) {
    auto uuid = uuid_of(element);
    if (!uuid) return std::nullopt;
    uuids.push_back(std::move(*uuid));
  }
  return uuids;
}

// An optional column: nullopt = unreadable, a null JSON = empty, else the one atom.
std::optional<Json> optional_atom(const Json& value) {
  const auto elements = set_elements(value);
  if (!elements || elements->size() > 1) return std::nullopt;
  return elements->empty() ? Json() : elements->front();
}

const std::string* find_key(const std::vector<std::pair<std::string, std::string>>& map, std::string_view key) {
  for (const auto& [name, value] : map) {
    if (name == key) return &value;
  }
  return nullptr;
}

}  // namespace

std::variant<VmPort, std::string> read_interface(const Replica& replica, const std::string& uuid,
                                                 const Replica::Row& row, std::string_view bridge) {
  constexpr std::string_view table = "Interface";
  VmPort port;
  port.uuid = uuid;
  port.bridge = std::string(bridge);

  const Json name = replica.column(table, row, "name");
  if (!name.is_string() || name.get<std::string>().empty()) return std::string("name is not a non-empty string");
  port.name = name.get<std::string>();
  const Json type = replica.column(table, row, "type");
  if (!type.is_string()) return std::string("type is not a string");
  port.type = type.get<std::string>();

  const auto ofport = optional_atom(replica.column(table, row, "ofport"));
  if (!ofport) return std::string("ofport is not an optional integer");
  if (!ofport->is_null()) {
    if (!ofport->is_number_integer()) return std::string("ofport is not an integer");
    // -1 means vswitchd failed to add the port, 0 is no port: both "none yet".
    const auto value = ofport->get<std::int64_t>();
    if (value > std::int64_t{std::numeric_limits<std::uint32_t>::max()}) return std::string("ofport out of range");
    if (value > 0) port.ofport = static_cast<std::uint32_t>(value);
  }

  const auto mac_in_use = optional_atom(replica.column(table, row, "mac_in_use"));
  if (!mac_in_use) return std::string("mac_in_use is not an optional string");
  if (!mac_in_use->is_null()) {
    if (!mac_in_use->is_string()) return std::string("mac_in_use is not a string");
    port.mac_in_use = wire::MacAddr::parse(mac_in_use->get<std::string>());
    if (!port.mac_in_use) return "mac_in_use " + mac_in_use->get<std::string>() + " is not a MAC address";
  }

  const auto external_ids = string_map(replica.column(table, row, "external_ids"));
  if (!external_ids) return std::string("external_ids is not a string-to-string map");
  if (const auto* mac = find_key(*external_ids, "attached-mac")) {
    port.attached_mac = wire::MacAddr::parse(*mac);
    if (!port.attached_mac) return "external_ids:attached-mac \"" + *mac + "\" is not a MAC address";
  }
  if (const auto* iface_id = find_key(*external_ids, "iface-id")) {
    if (iface_id->empty()) return std::string("external_ids:iface-id is empty");
    port.iface_id = *iface_id;
  }
  // libvirt writes vm-id, OpenStack (Nova's os-vif) vm-uuid.
  for (const std::string_view key : {"vm-id", "vm-uuid"}) {
    if (const auto* vm_id = find_key(*external_ids, key)) {
      if (vm_id->empty()) return "external_ids:" + std::string(key) + " is empty";
      port.vm_id = *vm_id;
      break;
    }
  }
  if (const auto* status = find_key(*external_ids, "iface-status")) port.active = *status != "inactive";
  if (const auto* home = find_key(*external_ids, "roam6-home-address")) {
    port.home_address = wire::Ip6Addr::parse(*home);
    if (!port.home_address || !port.home_address->is_global_unicast()) {
      return "external_ids:roam6-home-address \"" + *home + "\" is not a global unicast IPv6 address";
    }
  }
  if (const auto* site = find_key(*external_ids, "roam6-home-site")) {
    if (site->empty()) return std::string("external_ids:roam6-home-site is empty");
    port.home_site = *site;
  }
  return port;
}

BridgePorts read_bridge_ports(const Replica& replica, std::string_view bridge) {
  BridgePorts result;
  const auto& ports_table = replica.table("Port");
  const auto& interfaces_table = replica.table("Interface");
  for (const auto& [bridge_uuid, bridge_row] : replica.table("Bridge")) {
    const Json name = replica.column("Bridge", bridge_row, "name");
    if (!name.is_string()) {
      result.skipped.push_back({"Bridge", bridge_uuid, "name is not a string"});
      continue;
    }
    if (name.get<std::string>() != bridge) continue;
    const auto port_uuids = references(replica.column("Bridge", bridge_row, "ports"));
    if (!port_uuids) {
      result.skipped.push_back({"Bridge", bridge_uuid, "ports is not a set of uuids"});
      continue;
    }
    for (const auto& port_uuid : *port_uuids) {
      const auto port_row = ports_table.find(port_uuid);
      if (port_row == ports_table.end()) continue;  // not (yet) in the replica
      const auto interface_uuids = references(replica.column("Port", port_row->second, "interfaces"));
      if (!interface_uuids) {
        result.skipped.push_back({"Port", port_uuid, "interfaces is not a set of uuids"});
        continue;
      }
      for (const auto& interface_uuid : *interface_uuids) {
        const auto interface_row = interfaces_table.find(interface_uuid);
        if (interface_row == interfaces_table.end() || result.ports.contains(interface_uuid)) continue;
        auto read = read_interface(replica, interface_uuid, interface_row->second, bridge);
        if (auto* port = std::get_if<VmPort>(&read)) {
          result.ports.emplace(interface_uuid, std::move(*port));
        } else {
          result.skipped.push_back({"Interface", interface_uuid, std::get<std::string>(read)});
        }
      }
    }
  }
  return result;
}

}  // namespace roam6::vswitch::ovsdb
