// Reading Interface rows as libvirt (external_ids attached-mac, iface-id,
// vm-id, iface-status) and OpenStack (vm-uuid) write them, following
// Bridge.ports -> Port.interfaces references (vswitch.ovsschema), and the
// reasons a row is skipped instead.

#include <gtest/gtest.h>

#include "ovsdb_test_rows.hpp"
#include "vswitch-plugin/ovsdb/bridge_ports.hpp"
#include "vswitch-plugin/ovsdb/port_changes.hpp"

namespace roam6::vswitch::ovsdb {
namespace {

using namespace test_rows;

// A replica holding bridge br-test with one port whose interface row is `row`.
Replica replica_with(const Json& row) {
  Replica replica;
  const Json updates = {
      {"Bridge", {{bridge_uuid, {{"initial", {{"name", "br-test"}, {"ports", set({uuid(port_uuid(1))})}}}}}}},
      {"Port", {{port_uuid(1), {{"initial", {{"name", "p"}, {"interfaces", uuid(iface_uuid(1))}}}}}}},
      {"Interface", {{iface_uuid(1), {{"initial", row}}}}}};
  EXPECT_EQ(replica.apply_update2(updates), "");
  return replica;
}

// The skip reason for `row`, "" when it reads as a port.
std::string reason_for(const Json& row) {
  const auto view = read_bridge_ports(replica_with(row), "br-test");
  if (view.skipped.empty()) return "";
  EXPECT_EQ(view.skipped.size(), 1u);
  EXPECT_EQ(view.skipped[0].uuid, iface_uuid(1));
  EXPECT_EQ(view.skipped[0].table, "Interface");
  EXPECT_TRUE(view.ports.empty());
  return view.skipped[0].reason;
}

Json with_external_ids(Json row, std::initializer_list<std::pair<std::string, std::string>> ids) {
  row["external_ids"] = map(ids);
  return row;
}

TEST(OvsdbBridgePorts, ReadsALibvirtInterface) {
  Json row = libvirt_interface("vnet0", "52:54:00:00:00:01", Json(3));
  row["mac_in_use"] = "fe:54:00:00:00:01";
  const auto view = read_bridge_ports(replica_with(row), "br-test");
  ASSERT_EQ(view.ports.size(), 1u);
  const auto& port = view.ports.at(iface_uuid(1));
  EXPECT_EQ(port.name, "vnet0");
  EXPECT_EQ(port.bridge, "br-test");
  EXPECT_EQ(port.ofport, 3u);
  EXPECT_EQ(port.mac_in_use, wire::MacAddr::parse("fe:54:00:00:00:01"));
  EXPECT_EQ(port.vm_id, "d0d0d0d0-0000-4000-8000-0000000000bb");
  EXPECT_TRUE(port.active);
  EXPECT_FALSE(port.home_address);
  EXPECT_TRUE(read_bridge_ports(replica_with(row), "br-other").ports.empty());
}

TEST(OvsdbBridgePorts, OfportMinusOneAndEmptyMeanNotAssigned) {
  for (const Json& ofport : {empty_set(), Json(-1), Json(0), set({Json(-1)})}) {
    const auto view = read_bridge_ports(replica_with(libvirt_interface("vnet0", "52:54:00:00:00:01", ofport)), "br-test");
    ASSERT_EQ(view.ports.size(), 1u) << ofport;
    EXPECT_FALSE(view.ports.begin()->second.ofport) << ofport;
  }
  EXPECT_EQ(read_bridge_ports(replica_with(libvirt_interface("vnet0", "52:54:00:00:00:01", set({Json(9)}))), "br-test")
                .ports.begin()->second.ofport,
            9u);
}

TEST(OvsdbBridgePorts, VmIdFromLibvirtElseOpenStackVmUuid) {
  const Json base = {{"name", "tap1"}};
  auto port_of = [](const Json& row) { return read_bridge_ports(replica_with(row), "br-test").ports.begin()->second; };
  EXPECT_EQ(port_of(with_external_ids(base, {{"vm-uuid", "os"}})).vm_id, "os");
  EXPECT_EQ(port_of(with_external_ids(base, {{"vm-uuid", "os"}, {"vm-id", "lv"}})).vm_id, "lv");
  EXPECT_EQ(port_of(base).vm_id, "");  // a port with no guest ids at all is still a port
  EXPECT_FALSE(port_of(with_external_ids(base, {{"iface-status", "inactive"}})).active);
  EXPECT_TRUE(port_of(with_external_ids(base, {{"iface-status", "active"}})).active);
  const auto home = port_of(with_external_ids(base, {{"roam6-home-address", "2001:db8::5"}, {"roam6-home-site", "a"}}));
  EXPECT_EQ(home.home_address, wire::Ip6Addr::parse("2001:db8::5"));
  EXPECT_EQ(home.home_site, "a");
}

TEST(OvsdbBridgePorts, MalformedRowsAreSkippedWithAReason) {
  const Json base = {{"name", "vnet0"}};
  EXPECT_NE(reason_for(with_external_ids(base, {{"attached-mac", "52:54:00:zz:00:01"}})).find("attached-mac"),
            std::string::npos);
  EXPECT_NE(reason_for(with_external_ids(base, {{"vm-id", ""}})).find("vm-id is empty"), std::string::npos);
  EXPECT_NE(reason_for(with_external_ids(base, {{"vm-uuid", ""}})).find("vm-uuid is empty"), std::string::npos);
  EXPECT_NE(reason_for(with_external_ids(base, {{"iface-id", ""}})).find("iface-id"), std::string::npos);
  EXPECT_NE(reason_for(with_external_ids(base, {{"roam6-home-address", "10.0.0.1"}})).find("roam6-home-address"),
            std::string::npos);
  EXPECT_NE(reason_for(with_external_ids(base, {{"roam6-home-address", "fe80::1"}})).find("global unicast"),
            std::string::npos);
  EXPECT_NE(reason_for(with_external_ids(base, {{"roam6-home-site", ""}})).find("home-site"), std::string::npos);

  Json row = base;
  row["external_ids"] = Json::array({"map", Json::array({Json::array({"attached-mac", 5})})});
  EXPECT_NE(reason_for(row).find("external_ids"), std::string::npos);
  row = base;
  row["ofport"] = "one";
  EXPECT_NE(reason_for(row).find("ofport"), std::string::npos);
  row["ofport"] = set({Json(1), Json(2)});
  EXPECT_NE(reason_for(row).find("ofport"), std::string::npos);
  row = base;
  row["mac_in_use"] = "nope";
  EXPECT_NE(reason_for(row).find("mac_in_use"), std::string::npos);
  EXPECT_NE(reason_for(Json::object()).find("name"), std::string::npos);  // name left out: ""
}

TEST(OvsdbBridgePorts, BadReferenceSetsSkipTheirRow) {
  Replica replica;
  ASSERT_EQ(replica.apply_update2({{"Bridge", {{bridge_uuid, {{"initial", {{"name", "br-test"}, {"ports", "x"}}}}}}}}), "");
  const auto view = read_bridge_ports(replica, "br-test");
  ASSERT_EQ(view.skipped.size(), 1u);
  EXPECT_EQ(view.skipped[0].table, "Bridge");
  EXPECT_EQ(view.skipped[0].uuid, bridge_uuid);
}

TEST(OvsdbPortChanges, DiffNamesAddedChangedRemovedInUuidOrder) {
  auto port = [](const char* uuid, const char* name) {
    VmPort made;
    made.uuid = uuid;
    made.name = name;
    return made;
  };
  const VmPort a = port("a", "vnet0");
  const VmPort b = port("b", "vnet1");
  const VmPort c = port("c", "vnet2");
  VmPort b2 = b;
  b2.ofport = 4;
  const auto changes = diff_ports({{"a", a}, {"b", b}}, {{"b", b2}, {"c", c}});
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].kind, PortChange::Kind::removed);
  EXPECT_EQ(changes[0].before, a);
  EXPECT_EQ(changes[1].kind, PortChange::Kind::changed);
  EXPECT_EQ(changes[1].before, b);
  EXPECT_EQ(changes[1].after, b2);
  EXPECT_EQ(changes[2].kind, PortChange::Kind::added);
  EXPECT_EQ(changes[2].after, c);
  EXPECT_TRUE(diff_ports({{"a", a}}, {{"a", a}}).empty());
}

TEST(OvsdbReplica, RejectsMalformedTableUpdates) {
  Replica replica;
  EXPECT_NE(replica.apply_update2(Json::array()), "");
  EXPECT_NE(replica.apply_update2({{"Interface", 5}}), "");
  EXPECT_NE(replica.apply_update2({{"Interface", {{iface_uuid(1), {{"initial", Json::object()}, {"insert", Json::object()}}}}}}), "");
  EXPECT_NE(replica.apply_update2({{"Interface", {{iface_uuid(1), {{"upsert", Json::object()}}}}}}), "");
  EXPECT_NE(replica.apply_update2({{"Interface", {{iface_uuid(1), {{"modify", {{"ofport", 1}}}}}}}}), "");
  EXPECT_NE(replica.apply_update({{"Interface", {{iface_uuid(1), {{"new", 5}}}}}}), "");
  // Tables we did not ask for are ignored, as RFC 7047 clients do.
  EXPECT_EQ(replica.apply_update2({{"Open_vSwitch", {{"x", {{"initial", Json::object()}}}}}}), "");
}

}  // namespace
}  // namespace roam6::vswitch::ovsdb
