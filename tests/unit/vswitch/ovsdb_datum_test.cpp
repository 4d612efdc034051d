// OVSDB value decoding (RFC 7047 5.1) and update2 column diffs
// (ovsdb-server(7) 4.1.14: "The difference between two sets are all elements
// that only belong to one of the sets. The difference between two maps are
// all key-value pairs whose keys appears in only one of the maps, plus the
// key-value pairs whose keys appear in both maps but with different values",
// the new value being sent for the latter; single-valued columns carry the
// new value), plus the endpoint syntax ovs-vsctl --db uses.

#include <gtest/gtest.h>

#include "ovsdb_test_rows.hpp"
#include "vswitch-plugin/ovsdb/datum.hpp"
#include "vswitch-plugin/ovsdb/endpoint.hpp"

namespace roam6::vswitch::ovsdb {
namespace {

using namespace test_rows;

TEST(OvsdbDatum, ABareAtomIsAOneElementSet) {
  const auto elements = set_elements(uuid("abc"));
  ASSERT_TRUE(elements);
  ASSERT_EQ(elements->size(), 1u);
  EXPECT_EQ(uuid_of(elements->front()), "abc");
  EXPECT_EQ(set_elements(empty_set())->size(), 0u);
  EXPECT_EQ(set_elements(Json(5))->size(), 1u);
  EXPECT_FALSE(set_elements(Json::array({"set", 5})));
  EXPECT_FALSE(set_elements(Json::array({"set", Json::array({Json::object()})})));
  EXPECT_FALSE(set_elements(Json::object()));
}

TEST(OvsdbDatum, StringMapRejectsNonStrings) {
  EXPECT_TRUE(string_map(map({{"a", "b"}})));
  EXPECT_FALSE(string_map(Json::array({"map", Json::array({Json::array({"a", 1})})})));
  EXPECT_FALSE(string_map(Json::array({"map", Json::array({Json::array({"a"})})})));
  EXPECT_FALSE(string_map(set({"a"})));
}

TEST(OvsdbDatum, MapDiffRemovesSameValueReplacesChangedAddsNew) {
  const Json old_value = map({{"attached-mac", "52:54:00:00:00:01"}, {"iface-status", "active"}, {"vm-id", "v"}});
  const Json diff = map({{"vm-id", "v"},                  // same value: removed
                         {"iface-status", "inactive"},    // changed: replaced
                         {"iface-id", "new"}});           // new key: added
  const auto updated = apply_diff(ColumnKind::map, old_value, diff);
  ASSERT_TRUE(updated);
  const auto entries = string_map(*updated);
  ASSERT_TRUE(entries);
  std::map<std::string, std::string> as_map(entries->begin(), entries->end());
  EXPECT_EQ(as_map, (std::map<std::string, std::string>{
                        {"attached-mac", "52:54:00:00:00:01"}, {"iface-status", "inactive"}, {"iface-id", "new"}}));
}

TEST(OvsdbDatum, SetDiffTogglesMembership) {
  const auto updated = apply_diff(ColumnKind::set, set({uuid("a"), uuid("b")}), set({uuid("b"), uuid("c")}));
  ASSERT_TRUE(updated);
  EXPECT_EQ(*updated, set({uuid("a"), uuid("c")}));
  // A one-element diff may arrive as the bare atom.
  EXPECT_EQ(apply_diff(ColumnKind::set, *updated, uuid("a")), set({uuid("c")}));
}

TEST(OvsdbDatum, OptionalColumnDiffIsTheNewValue) {
  // Interface.ofport is {"key":"integer","min":0,"max":1}: not composite, so
  // the modify carries the new value, not a toggle.
  EXPECT_EQ(apply_diff(ColumnKind::optional, empty_set(), Json(3)), Json(3));
  EXPECT_EQ(apply_diff(ColumnKind::optional, Json(3), Json(3)), Json(3));
  EXPECT_EQ(apply_diff(ColumnKind::optional, Json(3), empty_set()), empty_set());
}

TEST(OvsdbDatum, UndecodableDiffIsNotApplied) {
  EXPECT_FALSE(apply_diff(ColumnKind::map, map({{"a", "b"}}), Json("garbage")));
  EXPECT_FALSE(apply_diff(ColumnKind::set, Json::object(), set({uuid("a")})));
}

TEST(OvsdbEndpoint, ParsesUnixAndTcpAsOvsVsctlWritesThem) {
  const auto unix_endpoint = Endpoint::parse("unix:/run/openvswitch/db.sock");
  ASSERT_TRUE(unix_endpoint);
  EXPECT_EQ(unix_endpoint->kind, Endpoint::Kind::unix_socket);
  EXPECT_EQ(unix_endpoint->path, "/run/openvswitch/db.sock");

  const auto v4 = Endpoint::parse("tcp:127.0.0.1:6640");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->kind, Endpoint::Kind::tcp);
  EXPECT_EQ(v4->address, "127.0.0.1");
  EXPECT_EQ(v4->port, 6640);
  EXPECT_EQ(v4->to_string(), "tcp:127.0.0.1:6640");

  const auto v6 = Endpoint::parse("tcp:[::1]:6641");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(v6->to_string(), "tcp:[::1]:6641");

  for (const char* bad : {"", "unix:", "ssl:1.2.3.4:6640", "tcp:1.2.3.4", "tcp:host.example:6640",
                          "tcp:1.2.3.4:0", "tcp:1.2.3.4:70000", "tcp:::1:6640", "tcp:[::1]6640", "/tmp/db.sock"}) {
    EXPECT_FALSE(Endpoint::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace roam6::vswitch::ovsdb
