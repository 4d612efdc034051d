#pragma once
// A flow keeper that keeps every wish and reports whatever state the test
// sets, for agent tests that need no Open vSwitch.
#include <vector>

#include <map>
#include <string>
#include <utility>

#include "vswitch-plugin/agent/flow_programmer.hpp"

namespace roam6::vswitch::testing {

class RecordingFlowProgrammer final : public FlowProgrammer {
 public:
  void want(const BridgeState& state) override { wishes.push_back(state); }
  [[nodiscard]] std::pair<FlowState, std::string> port_state(const std::string&) const override {
    return {current, {}};
  }
  [[nodiscard]] PortDropCounters drops(const std::string& port) const override {
    const auto it = drop_counters.find(port);
    return it == drop_counters.end() ? PortDropCounters{} : it->second;
  }

  std::vector<BridgeState> wishes;
  FlowState current = FlowState::pending;
  std::map<std::string, PortDropCounters> drop_counters;
};

}  // namespace roam6::vswitch::testing
