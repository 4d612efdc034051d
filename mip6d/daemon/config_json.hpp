#pragma once
// The configuration in use as JSON, for the `config.show` control command.
// Key secrets are never included, only their length: the control socket's
// group may read this, and the secrets must stay with root.

#include <nlohmann/json.hpp>

#include "mip6d/config/config.hpp"

namespace roam6::mip6d::daemon {

// Members named as in the configuration file (docs/configuration.md), with
// durations in seconds; `[home_agent]` or `[host]` as present.
nlohmann::json config_to_json(const Config& config);

}  // namespace roam6::mip6d::daemon
