#pragma once
// The Home Agent role's packet path (one instance per forwarding core). Its
// one port is the home link ("uplink").
//   - IPv6 to the home address of a binding (the HA's proxy NAs draw those
//     frames to it): encapsulated to the registered care-of address (outer
//     src = HA address) and sent to the home router; too big for the tunnel ->
//     Packet Too Big to the sender (rate-limited)
//   - ip6ip6 to the HA address: accepted only when the outer source is the
//     registered care-of address of the inner source's home address; then
//     decapsulated and sent to the home router
//   - Mobility Header or ICMPv6 ND to us (the HA address, or multicast): punted
//   - anything else: drop_not_for_us

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
