#pragma once
// OVSDB rows and values written out by hand in the wire form of RFC 7047
// section 5.1 (independent of the client's own decoder) for the ovsdb tests.

#include <initializer_list>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace roam6::vswitch::ovsdb::test_rows {

using Json = nlohmann::json;

inline Json uuid(const std::string& id) { return Json::array({"uuid", id}); }
inline Json set(std::initializer_list<Json> elements) {
  Json list = Json::array();
  for (const auto& element : elements) list.push_back(element);
  return Json::array({"set", list});
}
inline Json empty_set() { return Json::array({"set", Json::array()}); }
inline Json map(std::initializer_list<std::pair<std::string, std::string>> entries) {
  Json pairs = Json::array();
  for (const auto& [key, value] : entries) pairs.push_back(Json::array({key, value}));
  return Json::array({"map", pairs});
}

// Uuids of the rows the tests build.
inline const std::string bridge_uuid = "b0000000-0000-4000-8000-000000000001";
inline const std::string other_bridge_uuid = "b0000000-0000-4000-8000-000000000002";
inline std::string port_uuid(int n) { return "90000000-0000-4000-8000-00000000000" + std::to_string(n); }
inline std::string iface_uuid(int n) { return "10000000-0000-4000-8000-00000000000" + std::to_string(n); }

// A libvirt-style VM interface (external_ids as virsh/libvirt's
// virNetDevOpenvswitchAddPort writes them).
inline Json libvirt_interface(const std::string& name, const std::string& mac, Json ofport = empty_set()) {
  return Json{{"name", name},
              {"ofport", std::move(ofport)},
              {"external_ids", map({{"attached-mac", mac},
                                    {"iface-id", "c0ffee00-0000-4000-8000-0000000000aa"},
                                    {"vm-id", "d0d0d0d0-0000-4000-8000-0000000000bb"},
                                    {"iface-status", "active"}})}};
}

}  // namespace roam6::vswitch::ovsdb::test_rows
