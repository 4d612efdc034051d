#pragma once
// What the control plane tells the data plane. The DPDK datapath implements
// this over its lock-free binding table; tests record the calls. Updates are
// whole entries so that a packet never sees half a binding.

#include <chrono>
#include <cstdint>
#include <vector>

#include "roam6/wire/address.hpp"

namespace roam6::mip6d {

// Home Agent side: packets for home_address go through the tunnel to
// care_of_address; tunnelled packets from home_address are accepted only
// when their outer source is care_of_address.
struct TunnelBinding {
  wire::Ip6Addr home_address;
  wire::Ip6Addr care_of_address;
};

// Host side: one guest running (or about to run) on this host.
struct GuestPath {
  wire::MacAddr mac;
  wire::Ip6Addr home_address;
  wire::Ip6Addr link_local;         // the guest's own link-local address
  bool away = false;                // false: at its home site, pass through
  wire::Ip6Addr home_agent;         // tunnel peer when away
  wire::Ip6Addr care_of_address;    // this host's address, outer source
  wire::MacAddr router_mac;         // the home router as the guest knows it
  wire::Ip6Addr router_link_local;
  bool resumed = false;             // false: hold packets until it runs here
  // Hand-over forwarding (zero-loss moves). Not ::: the guest runs at the
  // host with this care-of address now; its held and arriving packets go
  // back into its tunnel to the Home Agent, which relays them to that host,
  // or natively when it is the guest's home address (it came home).
  wire::Ip6Addr forward_to;
  // At its home site and paused for a live migration (or moved on from
  // there): the frames the home link sends it natively are held, and handed
  // over like a tunnelled guest's (outer: care_of_address -> home_agent).
  bool holding_at_home = false;
  // Paused here for a migration's last copy, or gone from here: a frame from
  // it is one still in flight from before, not a sign that it runs here.
  bool paused = false;
  // Migrating away from here (its live migration began): the data path
  // remembers what it delivers to it, and once it is paused, what it
  // delivered since `replay_since` (just before QEMU stopped it, which may
  // have left it unread in the tap) is held again for the hand-over.
  bool migrating = false;
  std::chrono::system_clock::time_point replay_since{};  // epoch: nothing is
  // Away, running (or about to) here, and the Home Agent has not yet
  // acknowledged this host's registration: it would drop what the guest
  // sends through the tunnel, so the data path holds the guest's packets
  // until the acknowledgement (then they go first, in order).
  bool awaiting_binding = false;
  // The guest's other addresses in its home prefix (SLAAC, privacy
  // addresses), each with its own binding at the Home Agent: it is found
  // by each, and may send from each.
  std::vector<wire::Ip6Addr> other_home_addresses{};
};

class ForwardingTable {
 public:
  virtual ~ForwardingTable() = default;
  virtual void set_tunnel(const TunnelBinding& binding) = 0;
  virtual void clear_tunnel(const wire::Ip6Addr& home_address) = 0;
  virtual void set_guest(const GuestPath& path) = 0;
  virtual void clear_guest(const wire::MacAddr& mac) = 0;
};

}  // namespace roam6::mip6d
