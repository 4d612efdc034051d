#pragma once
// Which addresses can be a guest's home address: one rule for the
// configuration, `guest.attach` and the Home Agent's decisions, so that a
// host never proxies what its Home Agent would refuse to bind.

#include <optional>
#include <string_view>

#include "roam6/wire/address.hpp"

namespace roam6::mip6d {

// Why `home_address` can never be bound on the home link of `home_prefix`
// served by `home_agent`; empty when it can. Not a global unicast address
// (multicast, ::, ::1, link-local, site-local, IPv4-mapped; RFC 4291), the
// Home Agent's own address, the prefix's Subnet-Router anycast address
// (RFC 4291 2.6.1) or one of its reserved subnet anycast addresses (RFC 2526).
// Whether the address lies inside the prefix is the caller's check.
[[nodiscard]] std::string_view home_address_problem(const wire::Ip6Addr& home_address,
                                                    const wire::Ip6Prefix& home_prefix,
                                                    const std::optional<wire::Ip6Addr>& home_agent) noexcept;

}  // namespace roam6::mip6d
