#pragma once
// What the flow keeper needs from the switch: replace or change our flows
// atomically and read them back with their counters. OfctlRunner implements it with
// ovs-ofctl; tests of the keeper use a fake (tests/support/vswitch/).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vswitch-plugin/openflow/flow_dump.hpp"

namespace roam6::vswitch {

enum class ChannelStatus {
  ok,
  failed,      // the switch refused, ovs-ofctl failed, hung (killed) or is missing: see the error text
  superseded,  // an install still queued when a newer one arrived: never attempted
  cancelled,   // the channel was closed (shutdown) before the request ran
};
std::string_view to_string(ChannelStatus status) noexcept;

class FlowChannel {
 public:
  using InstallDone = std::function<void(ChannelStatus status, const std::string& error)>;
  using DumpDone =
      std::function<void(ChannelStatus status, const std::vector<FlowRecord>& flows, const std::string& error)>;

  virtual ~FlowChannel() = default;
  // Replaces every flow carrying `cookie` by `flows` (specs without "add"),
  // atomically. Requests run one at a time in arrival order, except that a
  // queued install is replaced by a newer one (the older completes with
  // `superseded`).
  virtual void install(std::uint64_t cookie, std::vector<std::string> flows, InstallDone done) = 0;
  // Changes our flows in place, atomically: deletes each of `remove`
  // (specs as installed; matched strictly, actions ignored) and adds each
  // of `add`. Flows in neither keep their counters. Never superseded: the
  // caller sends one change at a time.
  virtual void update(std::uint64_t cookie, std::vector<std::string> remove, std::vector<std::string> add,
                      InstallDone done) = 0;
  // The flows carrying `cookie`, with their counters.
  virtual void dump(std::uint64_t cookie, DumpDone done) = 0;
};

}  // namespace roam6::vswitch
