#pragma once
// A flow keeper that keeps every wish and reports whatever state the test
// sets, for agent tests that need no Open vSwitch.
#include <vector>

#include "vswitch-plugin/agent/steering.hpp"

namespace roam6::vswitch::testing {

class RecordingFlowProgrammer final : public FlowProgrammer {
 public:
  void want(const Steering& steering) override { wishes.push_back(steering); }
  [[nodiscard]] FlowState state() const override { return current; }

  std::vector<Steering> wishes;
  FlowState current = FlowState::pending;
};

}  // namespace roam6::vswitch::testing
