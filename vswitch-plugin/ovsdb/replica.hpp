#pragma once
// Our copy of the OVSDB rows we monitor (Bridge, Port, Interface; only the
// columns we ask for), kept current from the monitor's initial reply and its
// update / update2 notifications. Column values are kept as JSON and only
// interpreted when the VM ports are derived, so a value we cannot read spoils
// only its own row, not the replica.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vswitch-plugin/ovsdb/datum.hpp"

namespace roam6::vswitch::ovsdb {

struct ColumnSpec {
  std::string_view name;
  ColumnKind kind;
};
struct TableSpec {
  std::string_view name;
  std::vector<ColumnSpec> columns;
};

// The tables and columns the monitor asks for, with their Open_vSwitch
// schema kinds (vswitch.ovsschema), which update2's diffs depend on.
const std::vector<TableSpec>& monitored_tables();

class Replica {
 public:
  using Row = std::map<std::string, nlohmann::json, std::less<>>;    // column -> value; absent = default
  using Table = std::map<std::string, Row, std::less<>>;             // row uuid -> row

  // RFC 7047 <table-updates> ("old"/"new", from `monitor`) and
  // ovsdb-server(7) <table-updates2> ("initial"/"insert"/"modify"/"delete",
  // from `monitor_cond`). Return "" or the reason the message is unusable;
  // after an error the replica may be half-updated and must be rebuilt
  // (the caller resynchronises).
  std::string apply_update(const nlohmann::json& table_updates);
  std::string apply_update2(const nlohmann::json& table_updates2);
  void clear();

  [[nodiscard]] const Table& table(std::string_view name) const;
  // The column's value, or its default when the row leaves it out. A set or
  // map whose diff could not be applied reads as a discarded JSON value.
  [[nodiscard]] nlohmann::json column(std::string_view table, const Row& row, std::string_view column) const;

 private:
  Table* find_table(std::string_view name);
  std::map<std::string, Table, std::less<>> tables_;
};

}  // namespace roam6::vswitch::ovsdb
