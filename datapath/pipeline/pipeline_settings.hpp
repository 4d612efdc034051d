#pragma once
// What a role's pipeline needs to know about its node, fixed at start.

#include <cstdint>
#include <vector>

#include "roam6/wire/address.hpp"

namespace roam6::datapath {

struct TunnelSettings {
  std::uint8_t hop_limit = 64;         // outer hop limit (RFC 2473 6.3)
  std::uint32_t flow_label_key = 0;    // keys the derived outer flow label (wire/tunnel.hpp)
};

struct IcmpErrorSettings {
  // RFC 4443 2.4 (f): ICMPv6 errors are rate-limited. Per core, one token
  // bucket per message type (Packet Too Big, Time Exceeded, Parameter
  // Problem), each with these settings.
  std::uint32_t per_second = 100;
  std::uint32_t burst = 10;
};

// Reassembly of fragmented tunnel packets addressed to this node (RFC 2473
// 7.1: the other end fragments the outer packet of a small inner one), per
// core in DPDK's rte_ip_frag table.
struct ReassemblySettings {
  // Packets being reassembled at once, per core; a fragment of one more is
  // dropped (drop_reassembly_failed). Each holds at most 8 fragments
  // (RTE_LIBRTE_IP_FRAG_MAX_FRAG).
  std::uint32_t packets = 256;
  // A packet whose fragments have not all come this long after the first is
  // abandoned (drop_reassembly_timeout). RFC 8200 4.5 allows at most 60 s; a
  // tunnel peer sends a packet's fragments back to back.
  std::uint32_t timeout_ms = 1000;
};

struct HoldSettings {
  std::uint32_t packets_per_guest = 256;  // then drop_hold_full
  std::uint32_t guests = 64;              // guests holding at once, per core
  std::uint32_t timeout_ms = 5000;        // then drop_hold_expired
};

// What was delivered to guests migrating away is remembered, so that what
// reached a guest's tap after QEMU stopped reading it can be held again at
// its pause (datapath/elements/recent_deliveries.hpp).
struct RecentDeliverySettings {
  std::uint32_t packets_per_guest = 512;  // the newest ones
  std::uint32_t guests = 16;              // guests migrating away at once, per core
};

struct HostSettings {
  wire::Ip6Addr care_of_address;   // this host's address at its site (outer source)
  wire::MacAddr uplink_mac;        // our MAC on the uplink (Ethernet source of tunnel packets)
  wire::MacAddr next_hop_mac;      // the site router on the uplink (Ethernet destination)
  std::uint32_t uplink_mtu = 1500;
  TunnelSettings tunnel;
  IcmpErrorSettings icmp_errors;
  ReassemblySettings reassembly;
  HoldSettings hold;
  RecentDeliverySettings recent;
  // A guest that keeps sending is reported to mip6d (a copy of its first
  // frame) once in every interval this long, so mip6d knows it still runs
  // here (datapath/elements/liveness_reports.hpp). At least 1.
  std::uint32_t liveness_interval_ms = 1000;
  // mip6d learns the addresses guests form (host.learned_addresses): an away
  // guest's packet from another address of its home /64 (the SLAAC prefix
  // length) is still dropped by the ingress filter, and a copy goes to
  // mip6d, at most this often per core (a token bucket of the ICMPv6 error
  // limit's shape), so that after a move the guest's addresses are learned
  // from what it sends.
  bool report_unknown_sources = false;
  IcmpErrorSettings unknown_source_reports{20, 5};
};

struct HomeAgentSettings {
  wire::Ip6Addr address;           // the Home Agent's address (outer source / accepted destination)
  wire::MacAddr port_mac;          // our MAC on the home link
  wire::MacAddr router_mac;        // the home router (Ethernet destination of what we send)
  std::uint32_t mtu = 1500;        // home link / path MTU towards the care-of addresses
  // The prefixes whose addresses may have a binding (mip6d passes its
  // home_agent.home_prefixes). A decapsulated packet whose inner destination
  // lies outside all of them goes to the home router without looking that
  // destination up (another away guest's?). Empty, or more than
  // HomePrefixes::max_prefixes (8): every inner destination is looked up.
  std::vector<wire::Ip6Prefix> home_prefixes;
  TunnelSettings tunnel;
  IcmpErrorSettings icmp_errors;
  ReassemblySettings reassembly;
};

}  // namespace roam6::datapath
