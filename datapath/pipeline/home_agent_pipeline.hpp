#pragma once
// The Home Agent role's packet path (one instance per forwarding core). Its
// one port is the home link ("uplink").
//   - IPv6 to the home address of a binding (the HA's proxy NAs draw those
//     frames to it): encapsulated to the registered care-of address (outer
//     src = HA address) and sent to the home router, as outer fragments when
//     a packet of at most 1280 bytes does not fit; hop limit run out / Tunnel
//     Encapsulation Limit 0 / over 1280 bytes and too big for the tunnel ->
//     Time Exceeded / Parameter Problem / Packet Too Big to the sender
//     (rate-limited)
//   - a fragment to the HA address: reassembled, then the whole packet goes
//     on as below
//   - ip6ip6 to the HA address: accepted only when the outer source is the
//     registered care-of address of the inner source's home address; then
//     decapsulated and sent to the home router (inner hop limit 0 -> Time
//     Exceeded to the away guest through its tunnel)
//   - Mobility Header or ICMPv6 ND to us (the HA address, or multicast): punted
//   - anything else: drop_not_for_us
//
// Implementation notes (datapath/pipeline/home_agent_pipeline.cpp):
//   - Two away guests talking: when a decapsulated packet's destination is
//     itself a home address with a binding, it goes straight into that
//     binding's tunnel (counted `encapsulated`; per-binding counters: decap
//     on the source's binding, encap on the destination's) instead of via
//     the home router. Its errors (hop limit, encapsulation limit, too big,
//     which takes an inner Tunnel Encapsulation Limit option) go back to the
//     sender through the sender's own tunnel.
//   - Neighbour Discovery addressed to a bound home address is punted (the
//     HA's proxy ND answers it, RFC 6275 10.4.1); other link-scope traffic to
//     a home address is drop_link_scope, as is a decapsulated packet to a
//     link-scope destination.
//   - ip6ip6 to an address that is neither ours nor a bound home address:
//     drop_tunnel_not_for_us. Non-IPv6 frames: drop_not_for_us.
//   - A decapsulated packet's inner destination is looked up (another away
//     guest?) only when it lies in settings.home_prefixes (when given), where
//     every binding's home address lies: the usual one, to a correspondent,
//     costs one lookup, not two.
//   - ICMPv6 errors: from the HA address to the sender's address and MAC;
//     counting as in host_pipeline.hpp (offending packet by its drop reason,
//     the error an extra *_sent / *_suppressed / icmp_errors_withheld).
//   - The inner hop limit is decremented on encapsulation only (RFC 2473 3.1).

#include <cstdint>

#include "datapath/pipeline/pipeline_settings.hpp"
#include "datapath/pipeline/worker_context.hpp"

struct rte_mbuf;

namespace roam6::datapath {

class HomeAgentPipeline {
 public:
  explicit HomeAgentPipeline(const HomeAgentSettings& settings);
  ~HomeAgentPipeline();
  HomeAgentPipeline(const HomeAgentPipeline&) = delete;
  HomeAgentPipeline& operator=(const HomeAgentPipeline&) = delete;

  void from_uplink(WorkerContext& ctx, rte_mbuf** pkts, std::uint16_t n) noexcept;
  void housekeeping(WorkerContext& ctx) noexcept;

  [[nodiscard]] const HomeAgentSettings& settings() const noexcept { return settings_; }

 private:
  HomeAgentSettings settings_;
  struct State;
  State* state_;
};

}  // namespace roam6::datapath
