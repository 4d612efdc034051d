#include "mip6d/mip6ctl/render.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "mip6d/control/commands.hpp"

namespace roam6::mip6d::mip6ctl {
namespace {

using nlohmann::json;
namespace command = control::command;

std::string compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void flatten(const json& value, const std::string& key, std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& item : value.items()) {
      flatten(item.value(), key.empty() ? item.key() : key + "." + item.key(), out);
    }
  } else if (value.is_array() && !value.empty()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      flatten(value[i], key + "[" + std::to_string(i) + "]", out);
    }
  } else {
    out.emplace_back(key.empty() ? "value" : key, cell_text(value));
  }
}

struct ListShape {
  std::string_view member;                      // "guests"
  std::string_view empty_message;               // "no guests"
  std::vector<std::string_view> first_columns;  // the rest follow, sorted
};

const ListShape* list_shape(std::string_view command_name) {
  static const ListShape guests{"guests", "no guests",
                                {"name", "state", "mac", "home_address", "home_site", "port", "ofport", "flows"}};
  static const ListShape bindings{
      "bindings", "no bindings",
      {"home_address", "care_of_address", "state", "lifetime", "sequence"}};
  if (command_name == command::guest_list) return &guests;
  if (command_name == command::binding_list) return &bindings;
  return nullptr;
}

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// nullopt when `result` is not {"<member>": [objects...]}.
std::optional<std::string> render_list(const ListShape& shape, const json& result) {
  if (!result.is_object()) return std::nullopt;
  const auto rows = result.find(shape.member);
  if (rows == result.end() || !rows->is_array()) return std::nullopt;
  if (!std::all_of(rows->begin(), rows->end(), [](const json& row) { return row.is_object(); })) {
    return std::nullopt;
  }
  if (rows->empty()) return std::string(shape.empty_message) + '\n';

  std::vector<std::string> columns;
  for (const auto name : shape.first_columns) {
    const bool present = std::any_of(rows->begin(), rows->end(),
                                     [&](const json& row) { return row.contains(name); });
    if (present) columns.emplace_back(name);
  }
  std::vector<std::string> extra;
  for (const auto& row : *rows) {
    for (const auto& item : row.items()) {
      const auto& key = item.key();
      if (std::find(columns.begin(), columns.end(), key) == columns.end() &&
          std::find(extra.begin(), extra.end(), key) == extra.end()) {
        extra.push_back(key);
      }
    }
  }
  std::sort(extra.begin(), extra.end());
  columns.insert(columns.end(), extra.begin(), extra.end());

  std::vector<std::string> header;
  for (const auto& column : columns) header.push_back(upper(column));
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : *rows) {
    auto& line = cells.emplace_back();
    for (const auto& column : columns) {
      const auto found = row.find(column);
      line.push_back(found == row.end() ? "-" : cell_text(*found));
    }
  }
  return render_table(header, cells);
}

// config.reload: one row per changed key, what became of it.
std::optional<std::string> render_reload(const json& result) {
  if (!result.is_object() || !result.contains("applied") || !result.contains("needs_restart") ||
      !result["applied"].is_array() || !result["needs_restart"].is_array()) {
    return std::nullopt;
  }
  if (result["applied"].empty() && result["needs_restart"].empty())
    return std::string("configuration reloaded: nothing changed\n");
  const auto text = [](const json& row, const char* member) {
    return row.is_object() && row.contains(member) ? cell_text(row[member]) : std::string("-");
  };
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : result["applied"])
    rows.push_back({"applied", text(row, "key"), text(row, "from"), text(row, "to"), "-"});
  for (const auto& row : result["needs_restart"]) {
    rows.push_back({"needs restart", text(row, "key"), text(row, "running"), text(row, "file"),
                    text(row, "reason") + " (" + text(row, "at") + ")"});
  }
  return render_table({"OUTCOME", "KEY", "RUNNING", "FILE", "NOTE"}, rows);
}

}  // namespace

std::string cell_text(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return compact(value);
}

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size(), 0);
  const auto measure = [&](const std::vector<std::string>& line) {
    for (std::size_t i = 0; i < line.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], line[i].size());
    }
  };
  measure(header);
  for (const auto& row : rows) measure(row);

  std::string out;
  const auto emit = [&](const std::vector<std::string>& line) {
    std::string text;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string& cell = i < line.size() ? line[i] : std::string();
      text += cell;
      if (i + 1 < widths.size()) text.append(widths[i] - cell.size() + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + '\n';
  };
  emit(header);
  for (const auto& row : rows) emit(row);
  return out;
}

std::string render_key_values(const json& value) {
  std::vector<std::pair<std::string, std::string>> lines;
  flatten(value, "", lines);
  std::size_t width = 0;
  for (const auto& line : lines) width = std::max(width, line.first.size());
  std::string out;
  for (const auto& [key, text] : lines) {
    out += key + ":" + std::string(width - key.size() + 1, ' ') + text + '\n';
  }
  return out;
}

std::string render_result(std::string_view command_name, const json& result) {
  if (result.is_null() || (result.is_object() && result.empty())) return {};
  if (command_name == command::config_reload) {
    if (auto table = render_reload(result)) return *table;
  }
  if (const auto* shape = list_shape(command_name)) {
    if (auto table = render_list(*shape, result)) return *table;
  }
  return render_key_values(result);
}

}  // namespace roam6::mip6d::mip6ctl
