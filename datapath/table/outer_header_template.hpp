#pragma once
// Builds the ip6ip6 outer header a binding's packets are encapsulated with.

#include "datapath/table/binding_table.hpp"

namespace roam6::datapath {

// Version 6, traffic class 0, flow label 0, payload length 0 (the datapath
// patches these three per packet), next header 41 (IPv6), hop limit 64
// (RFC 2473 section 6.3's default), then `src` and `dst`.
[[nodiscard]] OuterHeaderTemplate make_outer_header_template(const Ip6Addr& src,
                                                             const Ip6Addr& dst) noexcept;

}  // namespace roam6::datapath
