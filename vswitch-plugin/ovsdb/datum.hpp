#pragma once
// OVSDB values as they travel in JSON (RFC 7047 section 5.1): an atom, a set
// ["set", [atom...]] (a one-element set may also come as the bare atom) or a
// map ["map", [[key, value]...]]; uuids are ["uuid", "..."]. These helpers
// decode them without throwing, because whatever the server (or something
// pretending to be it) sends must end as a counted skip, never a crash, and
// apply update2's column diffs (ovsdb-server(7) 4.1.14).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace roam6::vswitch::ovsdb {

// The column types we read, as far as update2 cares: a column holding at
// most one value (a string, or an optional value such as Interface.ofport;
// ovsdb's "not composite") carries its new value in a modify; sets and maps
// carry a difference.
enum class ColumnKind { string, optional, set, map };

// The value of a column that an initial/insert row leaves out (ovsdb-server
// omits columns equal to their default): "" for a string, the empty set for
// an optional or a set, the empty map.
nlohmann::json default_value(ColumnKind kind);

// Elements of a set (a bare atom is a one-element set); nullopt if `value` is
// neither.
std::optional<std::vector<nlohmann::json>> set_elements(const nlohmann::json& value);
// Entries of a map; nullopt if `value` is not a map.
std::optional<std::vector<std::pair<nlohmann::json, nlohmann::json>>> map_entries(const nlohmann::json& value);
// The uuid text of ["uuid", "..."]; nullopt otherwise.
std::optional<std::string> uuid_of(const nlohmann::json& atom);
// A string-to-string map (external_ids); nullopt if any key or value is not a string.
std::optional<std::vector<std::pair<std::string, std::string>>> string_map(const nlohmann::json& value);

// Applies an update2 "modify" difference to a column's old value:
// string/optional: the diff is the new value; set: elements present in old are
// removed, the others added; map: a key present in old with the same value
// is removed, with another value replaced, a new key added. Sets and maps
// come back in the canonical ["set", ...] / ["map", ...] form. nullopt when
// old or diff does not decode as the column's kind.
std::optional<nlohmann::json> apply_diff(ColumnKind kind, const nlohmann::json& old_value,
                                         const nlohmann::json& diff);

// A set or map in canonical form (for storing initial rows); other values unchanged.
nlohmann::json canonical(ColumnKind kind, const nlohmann::json& value);

}  // namespace roam6::vswitch::ovsdb
