#include "mip6d/config/home_address_rules.hpp"

namespace roam6::mip6d {

std::string_view home_address_problem(const wire::Ip6Addr& hoa, const wire::Ip6Prefix& prefix,
                                      const std::optional<wire::Ip6Addr>& home_agent) noexcept {
  if (!hoa.is_global_unicast()) return "is not a global unicast address";
  if (home_agent && hoa == *home_agent) return "is the Home Agent's own address";
  if (prefix.contains(hoa)) {
    if (prefix.is_subnet_router_anycast(hoa)) return "is the prefix's Subnet-Router anycast address";
    if (prefix.is_reserved_subnet_anycast(hoa)) return "is a reserved subnet anycast address (RFC 2526)";
  }
  return {};
}

}  // namespace roam6::mip6d
