#include "mip6d/config/toml_reader.hpp"

#include <algorithm>

namespace roam6::mip6d::config_internal {
namespace {

std::string_view describe(toml::node_type type) {
  switch (type) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
  }
  return "an unknown kind of value";
}

std::string type_mismatch(std::string_view expected, const toml::node& found) {
  return "expected " + std::string(expected) + ", found " + std::string(describe(found.type()));
}

}  // namespace

void ErrorCollector::add(const Location& where, std::string problem) {
  errors_.push_back(ConfigError{file_, where.path, where.position, std::move(problem)});
}

std::vector<ConfigError> ErrorCollector::take_in_file_order() {
  // Stable: problems found at the same place keep the order they were found in.
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return a.position < b.position;  // nullopt sorts first
  });
  return std::move(errors_);
}

std::optional<SourcePosition> position_of(const toml::source_region& region) {
  if (region.begin.line == 0) return std::nullopt;  // toml++ did not record one
  return SourcePosition{region.begin.line, region.begin.column};
}

std::string child_path(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (!path.empty()) path += '.';
  path += key;
  return path;
}

std::string element_path(std::string_view array_path, std::size_t index) {
  return std::string(array_path) + '[' + std::to_string(index) + ']';
}

Location TableReader::location_of(std::string_view key) const {
  const toml::node* node = table_->get(key);
  return Location{child_path(where_.path, key),
                  node != nullptr ? position_of(node->source()) : where_.position};
}

void TableReader::note_position(const Location& where) {
  if (positions_ != nullptr && where.position) positions_->insert_or_assign(where.path, *where.position);
}

const toml::node* TableReader::lookup(std::string_view key, Presence presence,
                                      const Location& where) {
  if (std::find(known_keys_.begin(), known_keys_.end(), key) == known_keys_.end())
    known_keys_.emplace_back(key);
  const toml::node* node = table_->get(key);
  if (node == nullptr && presence == Presence::required)
    errors_->add(where, "missing required key");
  if (node != nullptr) note_position(where);
  return node;
}

const std::string* TableReader::string_in(const toml::node& node, const Location& where) {
  const auto* value = node.as_string();
  if (value == nullptr) {
    errors_->add(where, type_mismatch("a string", node));
    return nullptr;
  }
  if (value->get().empty()) {
    errors_->add(where, "must not be empty");
    return nullptr;
  }
  return &value->get();
}

Field<std::string> TableReader::string(std::string_view key, Presence presence) {
  Field<std::string> field{location_of(key), std::nullopt, contains(key)};
  if (const toml::node* node = lookup(key, presence, field.where)) {
    if (const std::string* text = string_in(*node, field.where)) field.value = *text;
  }
  return field;
}

Field<std::int64_t> TableReader::integer(std::string_view key, Presence presence, std::int64_t min,
                                         std::int64_t max) {
  Field<std::int64_t> field{location_of(key), std::nullopt, contains(key)};
  const toml::node* node = lookup(key, presence, field.where);
  if (node == nullptr) return field;
  const auto* value = node->as_integer();
  if (value == nullptr) {
    errors_->add(field.where, type_mismatch("an integer", *node));
  } else if (value->get() < min || value->get() > max) {
    errors_->add(field.where, "must be between " + std::to_string(min) + " and " +
                                  std::to_string(max) + ", not " + std::to_string(value->get()));
  } else {
    field.value = value->get();
  }
  return field;
}

Field<bool> TableReader::boolean(std::string_view key, Presence presence) {
  Field<bool> field{location_of(key), std::nullopt, contains(key)};
  const toml::node* node = lookup(key, presence, field.where);
  if (node == nullptr) return field;
  if (const auto* value = node->as_boolean()) {
    field.value = value->get();
  } else {
    errors_->add(field.where, type_mismatch("a boolean (true or false)", *node));
  }
  return field;
}

const toml::array* TableReader::array_at(std::string_view key, Presence presence,
                                         const Location& where) {
  const toml::node* node = lookup(key, presence, where);
  if (node == nullptr) return nullptr;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    errors_->add(where, type_mismatch("an array", *node));
    return nullptr;
  }
  if (array->empty()) {
    errors_->add(where, "must not be empty");
    return nullptr;
  }
  return array;
}

std::optional<TableReader> TableReader::table(std::string_view key, Presence presence) {
  Location where = location_of(key);
  const toml::node* node = lookup(key, presence, where);
  if (node == nullptr) return std::nullopt;
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    errors_->add(where, type_mismatch("a table ([" + where.path + "])", *node));
    return std::nullopt;
  }
  return TableReader(*table, std::move(where), *errors_, positions_);
}

std::vector<TableReader> TableReader::array_of_tables(std::string_view key) {
  std::vector<TableReader> tables;
  const Location where = location_of(key);
  const toml::node* node = lookup(key, Presence::optional, where);
  if (node == nullptr) return tables;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    errors_->add(where, type_mismatch("an array of tables ([[" + where.path + "]])", *node));
    return tables;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    Location element_where{element_path(where.path, i), position_of(element.source())};
    if (const toml::table* table = element.as_table()) {
      note_position(element_where);
      tables.emplace_back(*table, std::move(element_where), *errors_, positions_);
    } else {
      errors_->add(element_where, type_mismatch("a table", element));
    }
  }
  return tables;
}

void TableReader::report_unknown_keys() {
  std::string known;
  for (const auto& key : known_keys_) known += (known.empty() ? "" : ", ") + key;
  for (const auto& [key, node] : *table_) {
    if (std::find(known_keys_.begin(), known_keys_.end(), key.str()) != known_keys_.end()) continue;
    errors_->add(Location{child_path(where_.path, key.str()), position_of(key.source())},
                 "unknown key '" + std::string(key.str()) + "' (expected one of: " + known + ")");
  }
}

}  // namespace roam6::mip6d::config_internal
