#pragma once
// A successful reply's result as text for a person: lists as tables with
// aligned columns, everything else as aligned "key: value" lines, nested
// members flattened to dotted keys ("bu.received", "sites[0].name").
// Results of an unexpected shape still print, in the generic form.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace roam6::mip6d::mip6ctl {

// The text to print for `command`'s result; empty for an action that
// returned nothing to say (null or {}).
std::string render_result(std::string_view command, const nlohmann::json& result);

// Columns separated by two spaces, each as wide as its widest cell; no
// trailing spaces.
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

// "key: value" lines, values aligned, for any JSON (scalars under "value").
std::string render_key_values(const nlohmann::json& value);

// A scalar as a person reads it: strings bare, null as "-".
std::string cell_text(const nlohmann::json& value);

}  // namespace roam6::mip6d::mip6ctl
