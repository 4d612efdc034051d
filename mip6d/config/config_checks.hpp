#pragma once
// The rules that relate one part of the configuration to another: sections
// the role needs, unique names and addresses, references that must resolve,
// addresses that must lie in the right prefix. Internal to the config loader.

#include "mip6d/config/config_draft.hpp"
#include "mip6d/config/toml_reader.hpp"

namespace roam6::mip6d::config_internal {

// Values that were missing or invalid (empty fields) are skipped: they have
// been reported already.
void check_config_draft(const ConfigDraft& draft, ErrorCollector& errors);

}  // namespace roam6::mip6d::config_internal
