#pragma once
// Keeps the wanted steering plan installed on the integration bridge.
//
// - set_wanted(state): plans the flows (steering_plan.hpp); when the plan
//   differs from the current one, sends the change: only the flows that
//   differ (FlowChannel::update) when the switch is known to hold the last
//   plan and the difference is the smaller, else the whole plan. One
//   request at a time: a plan changed meanwhile goes when it completes, so
//   a thousand ports arriving cost a few requests, not a thousand.
// - every check_interval (1 s), or 9 times as long as the last dump took
//   when that is longer (checking a table of thousands of flows uses at
//   most a tenth of the switch), and on check_now() (after a link event of
//   the bridge or the datapath port): dumps our flows; when the canary is
//   gone (vswitchd restarted and forgot every flow) or the count differs
//   from the plan (someone deleted some), reinstalls the whole plan.
// - a failed install is retried with back-off (check_interval doubling up
//   to max_retry); check_now() retries at once.
// - counts spoof drops per VM port from the drop flows' n_packets, kept
//   monotonic across reinstalls (a reinstall starts new flows at zero;
//   an update keeps the counts of the flows it leaves alone).
//
// State (what mip6d shows per guest as `flows`):
//   none       no wanted state yet
//   pending    an install of the current plan is queued or running
//   installed  the current plan was installed (and the last check agreed)
//   failed     the install, or reading the flows back, failed: see reason()

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mip6d/runtime/log.hpp"
#include "mip6d/runtime/scheduler.hpp"
#include "vswitch-plugin/openflow/flow_channel.hpp"
#include "vswitch-plugin/openflow/steering_plan.hpp"

namespace roam6::vswitch {

enum class FlowState { none, pending, installed, failed };
std::string_view to_string(FlowState state) noexcept;

struct FlowKeeperOptions {
  std::chrono::milliseconds check_interval{1000};
  std::chrono::milliseconds max_retry{30'000};
};

struct PortDropCounters {
  std::uint64_t spoofed_mac = 0;     // frames from the port with another source MAC
  std::uint64_t spoofed_source = 0;  // IPv6 from its MAC with a source not its own
  bool operator==(const PortDropCounters&) const = default;
};

struct FlowKeeperStats {
  std::uint64_t installs = 0;          // successful installs of the whole plan
  std::uint64_t updates = 0;           // successful changes of only the flows that differ
  std::uint64_t install_failures = 0;
  std::uint64_t checks = 0;            // dumps that completed
  std::uint64_t check_failures = 0;
  std::uint64_t flows_lost = 0;        // reinstalls because the canary or flows were gone
};

class FlowKeeper {
 public:
  using StateListener = std::function<void(FlowState state, const std::string& reason)>;

  FlowKeeper(mip6d::Scheduler& scheduler, const mip6d::Logger& log, FlowChannel& channel,
             FlowKeeperOptions options = {});
  ~FlowKeeper();
  FlowKeeper(const FlowKeeper&) = delete;
  FlowKeeper& operator=(const FlowKeeper&) = delete;

  void set_wanted(const BridgeState& state);
  // Check (or retry a failed install) now rather than at the next tick.
  void check_now();
  // Called on every state or reason change.
  void set_listener(StateListener listener) { listener_ = std::move(listener); }

  [[nodiscard]] FlowState state() const noexcept { return state_; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
  [[nodiscard]] const SteeringPlan& plan() const noexcept { return plan_; }
  [[nodiscard]] const std::optional<BridgeState>& wanted() const noexcept { return wanted_; }
  // One VM port's flows: the bridge's state, except that a port the plan
  // left out (steering_plan.hpp ExcludedPort) or that is not in the wanted
  // state is `failed` (reason given) / `none`.
  [[nodiscard]] std::pair<FlowState, std::string> port_state(const std::string& port_name) const;
  // Per VM port name, for the ports of the wanted state.
  [[nodiscard]] std::map<std::string, PortDropCounters> drop_counters() const;
  // One port's (zero for a port not in the wanted state). O(log ports):
  // the agent asks for every port after every change.
  [[nodiscard]] PortDropCounters port_drops(const std::string& port_name) const;
  [[nodiscard]] const FlowKeeperStats& stats() const noexcept { return stats_; }

 private:
  struct CounterTrack {
    std::uint64_t base = 0;  // from flows since replaced
    std::uint64_t last = 0;  // n_packets of the current flows at the last dump
  };

  void tick();
  void arm_tick();
  void request_dump();
  void install(const std::string& why);
  void send();
  void on_sent(bool whole, ChannelStatus status, const std::string& error);
  void on_dumped(std::uint64_t install_epoch, ChannelStatus status, const std::vector<FlowRecord>& flows,
                 const std::string& error);
  void count_drops(const std::vector<FlowRecord>& flows);
  void flows_replaced();
  void set_state(FlowState state, std::string reason);

  mip6d::Scheduler& scheduler_;
  const mip6d::Logger& log_;
  FlowChannel& channel_;
  FlowKeeperOptions options_;
  std::unique_ptr<mip6d::Timer> timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  std::optional<BridgeState> wanted_;
  std::set<std::string> wanted_names_;              // wanted_'s ports, for port_state
  std::map<std::string, std::string> excluded_;     // plan_.excluded: name -> reason
  SteeringPlan plan_;
  std::uint64_t generation_ = 0;       // bumped on every plan change
  std::uint64_t install_epoch_ = 0;    // bumped on every install request
  bool install_in_flight_ = false;
  bool resend_ = false;                // the plan changed while one was in flight
  std::vector<std::string> sending_;   // the flows the request in flight leaves on the switch
  std::optional<std::vector<std::string>> on_switch_;  // what the switch holds, when known
  bool dump_in_flight_ = false;
  mip6d::TimePoint dump_started_{};
  mip6d::Duration last_dump_took_{};
  std::chrono::milliseconds retry_delay_{0};
  std::optional<mip6d::TimePoint> retry_at_;

  FlowState state_ = FlowState::none;
  std::string reason_ = "no wanted state";
  StateListener listener_;
  std::map<std::pair<std::string, DropReason>, CounterTrack> counters_;
  FlowKeeperStats stats_;
};

}  // namespace roam6::vswitch
