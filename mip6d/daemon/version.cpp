#include "mip6d/daemon/version.hpp"

#ifndef ROAM6_VERSION
#error "ROAM6_VERSION must be defined by the build (mip6d/CMakeLists.txt)"
#endif

namespace roam6::mip6d::daemon {

std::string_view daemon_version() noexcept { return ROAM6_VERSION; }

}  // namespace roam6::mip6d::daemon
