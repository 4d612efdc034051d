#pragma once
// TOML document -> ConfigDraft: checks each value on its own (type, syntax,
// range, unknown keys) and reads key secrets. Relations between values are
// config_checks' job. Internal to the config loader.

#include <toml++/toml.h>

#include <filesystem>

#include "mip6d/config/config_draft.hpp"
#include "mip6d/config/toml_reader.hpp"

namespace roam6::mip6d::config_internal {

// Relative secret_file paths are resolved against `base_directory`.
ConfigDraft read_config_draft(const toml::table& root, const std::filesystem::path& base_directory,
                              ErrorCollector& errors);

}  // namespace roam6::mip6d::config_internal
