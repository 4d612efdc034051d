#include "vswitch-plugin/ovsdb/datum.hpp"

#include <algorithm>

namespace roam6::vswitch::ovsdb {

using Json = nlohmann::json;

namespace {

// RFC 7047 5.1 <atom>: a string, number, boolean, ["uuid", id] or ["named-uuid", id].
bool is_atom(const Json& value) {
  if (value.is_string() || value.is_number() || value.is_boolean()) return true;
  return value.is_array() && value.size() == 2 && value[0].is_string() &&
         (value[0] == "uuid" || value[0] == "named-uuid") && value[1].is_string();
}

bool is_tagged(const Json& value, const char* tag) {
  return value.is_array() && value.size() == 2 && value[0].is_string() && value[0] == tag && value[1].is_array();
}

Json make_set(std::vector<Json> elements) { return Json::array({"set", Json(std::move(elements))}); }

Json make_map(const std::vector<std::pair<Json, Json>>& entries) {
  Json pairs = Json::array();
  for (const auto& [key, value] : entries) pairs.push_back(Json::array({key, value}));
  return Json::array({"map", std::move(pairs)});
}

}  // namespace

Json default_value(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::string:
      return "";
    case ColumnKind::map:
      return Json::array({"map", Json::array()});
    case ColumnKind::optional:
    case ColumnKind::set:
      break;
  }
  return Json::array({"set", Json::array()});
}

std::optional<std::vector<Json>> set_elements(const Json& value) {
  if (is_atom(value)) return std::vector<Json>{value};
  if (!is_tagged(value, "set")) return std::nullopt;
  std::vector<Json> elements;
  for (const auto& element : value[1]) {
    if (!is_atom(element)) return std::nullopt;
    elements.push_back(element);
  }
  return elements;
}

std::optional<std::vector<std::pair<Json, Json>>> map_entries(const Json& value) {
  if (!is_tagged(value, "map")) return std::nullopt;
  std::vector<std::pair<Json, Json>> entries;
  for (const auto& pair : value[1]) {
    if (!pair.is_array() || pair.size() != 2 || !is_atom(pair[0]) || !is_atom(pair[1])) return std::nullopt;
    entries.emplace_back(pair[0], pair[1]);
  }
  return entries;
}

std::optional<std::string> uuid_of(const Json& atom) {
  if (atom.is_array() && atom.size() == 2 && atom[0] == "uuid" && atom[1].is_string()) {
    return atom[1].get<std::string>();
  }
  return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, std::string>>> string_map(const Json& value) {
  const auto entries = map_entries(value);
  if (!entries) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> strings;
  for (const auto& [key, item] : *entries) {
    if (!key.is_string() || !item.is_string()) return std::nullopt;
    strings.emplace_back(key.get<std::string>(), item.get<std::string>());
  }
  return strings;
}

Json canonical(ColumnKind kind, const Json& value) {
  if (kind == ColumnKind::set) {
    if (auto elements = set_elements(value)) return make_set(std::move(*elements));
  }
  return value;
}

std::optional<Json> apply_diff(ColumnKind kind, const Json& old_value, const Json& diff) {
  switch (kind) {
    case ColumnKind::string:
    case ColumnKind::optional:
      return diff;
    case ColumnKind::set: {
      auto elements = set_elements(old_value);
      const auto changes = set_elements(diff);
      if (!elements || !changes) return std::nullopt;
      for (const auto& change : *changes) {
        const auto found = std::find(elements->begin(), elements->end(), change);
        if (found != elements->end()) {
          elements->erase(found);
        } else {
          elements->push_back(change);
        }
      }
      return make_set(std::move(*elements));
    }
    case ColumnKind::map: {
      auto entries = map_entries(old_value);
      const auto changes = map_entries(diff);
      if (!entries || !changes) return std::nullopt;
      for (const auto& [key, value] : *changes) {
        const auto found = std::find_if(entries->begin(), entries->end(),
                                        [&key = key](const auto& entry) { return entry.first == key; });
        if (found == entries->end()) {
          entries->emplace_back(key, value);
        } else if (found->second == value) {
          entries->erase(found);
        } else {
          found->second = value;
        }
      }
      return make_map(*entries);
    }
  }
  return std::nullopt;
}

}  // namespace roam6::vswitch::ovsdb
