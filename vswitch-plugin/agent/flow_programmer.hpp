#pragma once
// The flow keeper (openflow/flow_keeper.hpp) as the agent sees it: where the
// agent says what the bridge should do and learns how far each port got.
// An interface so that agent tests need no Open vSwitch.

#include <string>
#include <utility>

#include "vswitch-plugin/openflow/flow_keeper.hpp"
#include "vswitch-plugin/openflow/steering_plan.hpp"

namespace roam6::vswitch {

class FlowProgrammer {
 public:
  virtual ~FlowProgrammer() = default;
  // The bridge should steer like this from now on (replaces any earlier wish).
  virtual void want(const BridgeState& state) = 0;
  // One VM port's flows, with the reason when not installed.
  [[nodiscard]] virtual std::pair<FlowState, std::string> port_state(const std::string& port) const = 0;
  [[nodiscard]] virtual PortDropCounters drops(const std::string& port) const = 0;
};

// The real one.
class FlowKeeperProgrammer final : public FlowProgrammer {
 public:
  explicit FlowKeeperProgrammer(FlowKeeper& keeper) : keeper_(keeper) {}
  void want(const BridgeState& state) override { keeper_.set_wanted(state); }
  [[nodiscard]] std::pair<FlowState, std::string> port_state(const std::string& port) const override {
    return keeper_.port_state(port);
  }
  [[nodiscard]] PortDropCounters drops(const std::string& port) const override {
    return keeper_.port_drops(port);
  }

 private:
  FlowKeeper& keeper_;
};

}  // namespace roam6::vswitch
