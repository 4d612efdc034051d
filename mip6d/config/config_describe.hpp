#pragma once
// A human-readable summary of a loaded Config (for `mip6ctl config show` and
// the daemon's start-up log). Key secrets are never printed, only their size.

#include <string>

#include "mip6d/config/config.hpp"

namespace roam6::mip6d {

// Several lines, each ending in '\n'.
std::string describe_config(const Config& config);

}  // namespace roam6::mip6d
