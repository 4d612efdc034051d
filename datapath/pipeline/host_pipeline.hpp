#pragma once
// The host role's packet path (one instance per forwarding core).
//
// From the guests port (Open vSwitch side), per frame, by source MAC:
//   - not a guest we know, or a guest at its home site: passed to the uplink
//   - a known guest not yet seen on this core since it was (re)programmed
//     and not marked resumed: a copy is punted at once (the resume signal,
//     with the core's timestamp) and the guest's held packets are released
//   - away guest: ND/RS punted (home-link emulation is mip6d's); other link-
//     scope traffic dropped; source must be its home address (else
//     drop_ingress_filter); too big for the tunnel -> Packet Too Big back to
//     the guest (rate-limited); else encapsulated (outer src = care-of
//     address, dst = its Home Agent) and sent to the site router on the uplink
// From the uplink, per frame:
//   - ip6ip6 to our care-of address: the inner destination must be an away
//     guest here and the outer source its Home Agent, else dropped by reason;
//     decapsulated, Ethernet source = the home router's MAC, destination =
//     the guest; held if the guest has not resumed yet, else to the guests port
//   - Mobility Header or ICMPv6 ND to us (unicast to the care-of address, or
//     multicast): punted
//   - anything else: passed to the guests port

#include <cstdint>

#include "datapath/pipeline/pipeline_settings.hpp"
#include "datapath/pipeline/worker_context.hpp"

struct rte_mbuf;

namespace roam6::datapath {

class HostPipeline {
 public:
  explicit HostPipeline(const HostSettings& settings);
  ~HostPipeline();
  HostPipeline(const HostPipeline&) = delete;
  HostPipeline& operator=(const HostPipeline&) = delete;

  // Every packet is consumed: emitted, punted, held or freed (and counted).
  void from_guests(WorkerContext& ctx, rte_mbuf** pkts, std::uint16_t n) noexcept;
  void from_uplink(WorkerContext& ctx, rte_mbuf** pkts, std::uint16_t n) noexcept;
  // Once per poll loop: releases held packets of guests mip6d has marked
  // resumed, expires old ones, drops those of guests that are gone.
  void housekeeping(WorkerContext& ctx) noexcept;

  [[nodiscard]] const HostSettings& settings() const noexcept { return settings_; }

 private:
  HostSettings settings_;
  struct State;
  State* state_;
};

}  // namespace roam6::datapath
