#include "vswitch-plugin/ovsdb/replica.hpp"

namespace roam6::vswitch::ovsdb {

using Json = nlohmann::json;

namespace {

const ColumnSpec* find_column(std::string_view table, std::string_view column) {
  for (const auto& spec : monitored_tables()) {
    if (spec.name != table) continue;
    for (const auto& candidate : spec.columns) {
      if (candidate.name == column) return &candidate;
    }
  }
  return nullptr;
}

// Stores the monitored columns of a full row (initial, insert, "new").
std::string store_row(std::string_view table, const Json& row, Replica::Row& into) {
  if (!row.is_object()) return "row of " + std::string(table) + " is not an object";
  into.clear();
  for (const auto& [name, value] : row.items()) {
    if (const auto* spec = find_column(table, name)) into[name] = canonical(spec->kind, value);
  }
  return {};
}

}  // namespace

const std::vector<TableSpec>& monitored_tables() {
  static const std::vector<TableSpec> tables = {
      {"Bridge", {{"name", ColumnKind::string}, {"ports", ColumnKind::set}}},
      {"Port", {{"name", ColumnKind::string}, {"interfaces", ColumnKind::set}}},
      {"Interface",
       {{"name", ColumnKind::string},
        {"type", ColumnKind::string},
        {"ofport", ColumnKind::optional},  // integer, min 0 max 1
        {"external_ids", ColumnKind::map},
        {"mac_in_use", ColumnKind::optional}}},  // string, min 0 max 1
  };
  return tables;
}

void Replica::clear() { tables_.clear(); }

const Replica::Table& Replica::table(std::string_view name) const {
  static const Table empty;
  const auto found = tables_.find(name);
  return found == tables_.end() ? empty : found->second;
}

Replica::Table* Replica::find_table(std::string_view name) {
  for (const auto& spec : monitored_tables()) {
    if (spec.name == name) return &tables_[std::string(name)];
  }
  return nullptr;
}

Json Replica::column(std::string_view table, const Row& row, std::string_view column) const {
  const auto found = row.find(column);
  if (found != row.end()) return found->second;
  const auto* spec = find_column(table, column);
  if (spec == nullptr) return Json();
  return default_value(spec->kind);
}

std::string Replica::apply_update(const Json& table_updates) {
  if (!table_updates.is_object()) return "table-updates is not an object";
  for (const auto& [table_name, rows] : table_updates.items()) {
    Table* table = find_table(table_name);
    if (table == nullptr) continue;  // not ours: ignore, as RFC 7047 clients should
    if (!rows.is_object()) return "table-update of " + table_name + " is not an object";
    for (const auto& [uuid, update] : rows.items()) {
      if (!update.is_object()) return "row-update " + uuid + " is not an object";
      const auto new_row = update.find("new");
      if (new_row == update.end()) {
        table->erase(uuid);  // RFC 7047 4.1.6: only "old" means deleted
        continue;
      }
      if (auto error = store_row(table_name, *new_row, (*table)[uuid]); !error.empty()) return error;
    }
  }
  return {};
}

std::string Replica::apply_update2(const Json& table_updates2) {
  if (!table_updates2.is_object()) return "table-updates2 is not an object";
  for (const auto& [table_name, rows] : table_updates2.items()) {
    Table* table = find_table(table_name);
    if (table == nullptr) continue;
    if (!rows.is_object()) return "table-update2 of " + table_name + " is not an object";
    for (const auto& [uuid, update] : rows.items()) {
      if (!update.is_object() || update.size() != 1) {
        return "row-update2 " + uuid + " is not an object with one member";
      }
      const auto member = update.begin();
      const std::string& kind = member.key();
      const Json& row = member.value();
      if (kind == "initial" || kind == "insert") {
        if (auto error = store_row(table_name, row, (*table)[uuid]); !error.empty()) return error;
      } else if (kind == "delete") {
        table->erase(uuid);
      } else if (kind == "modify") {
        const auto existing = table->find(uuid);
        if (existing == table->end()) return "modify of unknown " + table_name + " row " + uuid;
        if (!row.is_object()) return "modify of " + uuid + " is not an object";
        for (const auto& [name, diff] : row.items()) {
          const auto* spec = find_column(table_name, name);
          if (spec == nullptr) continue;
          const Json old_value = column(table_name, existing->second, name);
          auto updated = apply_diff(spec->kind, old_value, diff);
          // A diff we cannot apply leaves the column unreadable (and with it
          // the row, reported as skipped) until the row is replaced.
          existing->second[name] = updated ? std::move(*updated) : Json(Json::value_t::discarded);
        }
      } else {
        return "row-update2 " + uuid + " has unknown member " + kind;
      }
    }
  }
  return {};
}

}  // namespace roam6::vswitch::ovsdb
