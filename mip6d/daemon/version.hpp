#pragma once
// The daemon's name and release, as `mip6d --version` and the `version`
// control command report them. The release comes from the top-level
// project(... VERSION ...) so that there is one place to bump it.

#include <string_view>

namespace roam6::mip6d::daemon {

inline constexpr std::string_view daemon_name = "mip6d";

std::string_view daemon_version() noexcept;

}  // namespace roam6::mip6d::daemon
