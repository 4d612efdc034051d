#pragma once
// The classic BPF program a packet socket on the uplink attaches, so the kernel
// hands mip6d only what the control plane handles instead of every data frame:
//   - RARP (QEMU announces a migrated guest with it),
//   - IPv6 whose first next header is the Mobility Header (135), ICMPv6 (58,
//     for Neighbour Discovery), or an extension header (Hop-by-Hop 0, Routing
//     43, Fragment 44, Destination Options 60) that may lead to either; the
//     C++ side walks that chain, the filter does not try to;
//   - IPv6-in-IPv6 (41) whose inner first next header is the Mobility Header
//     or an extension header: RFC 6275 6.1 has the Home Agent send a Binding
//     Refresh Request or Binding Error to a home address through the tunnel.
//     Tunnelled data (inner UDP, TCP, ICMPv6...) stays out.
// The kernel strips an 802.1Q tag before packet sockets see a frame, so the
// EtherType is always at offset 12 here; a tagged site uses a VLAN interface
// as its uplink.

#include <linux/filter.h>

#include <vector>

namespace roam6::mip6d {

[[nodiscard]] std::vector<sock_filter> control_plane_filter();

}  // namespace roam6::mip6d
