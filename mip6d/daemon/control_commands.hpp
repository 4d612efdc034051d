#pragma once
// The control protocol's commands (docs/control-protocol.md), each bound to
// the component that serves it. Kept apart from the Daemon so that tests can
// drive every handler against a HomeAgent or HostAgent on a simulated clock
// and a fake network, without sockets.
//
//   control::CommandRegistry registry;
//   register_common_commands(registry, config);
//   register_home_agent_commands(registry, home_agent, config, &fib, extend_stats);
//   // or register_host_commands(registry, host_agent, scheduler, extend_stats);
//
// Every registered object must outlive the registry's use.

#include <functional>
#include <optional>

#include <nlohmann/json.hpp>

#include "mip6d/config/config.hpp"
#include "mip6d/control/command_registry.hpp"
#include "mip6d/daemon/config_reload.hpp"
#include "mip6d/home_agent/home_agent.hpp"
#include "mip6d/host/host_agent.hpp"
#include "mip6d/io/recording_forwarding_table.hpp"
#include "mip6d/runtime/scheduler.hpp"

namespace roam6::mip6d::daemon {

// Adds to a `stats` result what lies outside the role's own counters (the
// packet-socket ports, the control server). Called for every request.
using StatsExtension = std::function<void(nlohmann::json& stats)>;

// One binding's data-plane traffic, when a datapath carries it.
struct BindingTraffic {
  std::uint64_t encapsulated_packets = 0;
  std::uint64_t encapsulated_bytes = 0;
  std::uint64_t decapsulated_packets = 0;
  std::uint64_t decapsulated_bytes = 0;
};
// Looks a binding's traffic up; nullopt when the data plane has no entry.
// Empty functions: no datapath, and binding.list/show carry no "traffic".
struct BindingTrafficLookup {
  std::function<std::optional<BindingTraffic>(const wire::Ip6Addr& home_address)> tunnel;
  std::function<std::optional<BindingTraffic>(const wire::MacAddr& guest_mac)> guest;
};

// version, config.show.
void register_common_commands(control::CommandRegistry& registry, const Config& config);

// binding.list and binding.show from the binding cache, stats from the Home
// Agent's counters; guest.* are refused with wrong_role. `fib`, when given,
// is the forwarding table the Home Agent programs: each binding then shows
// the tunnel the data plane has for it ("tunnel", null when none).
void register_home_agent_commands(control::CommandRegistry& registry, const ha::HomeAgent& agent,
                                  const Config& config, const RecordingForwardingTable* fib,
                                  StatsExtension extend_stats = {},
                                  BindingTrafficLookup traffic = {});

// guest.attach/detach/resume/list, binding.list and binding.show (one entry
// per guest), stats from the host's counters. `scheduler` gives the time of
// a guest.resume that carries no timestamp.
void register_host_commands(control::CommandRegistry& registry, host::HostAgent& agent,
                            const Scheduler& scheduler, StatsExtension extend_stats = {},
                            BindingTrafficLookup traffic = {});

// config.reload's result for an applied reload:
//   {"applied": [{"key", "from", "to"}, ...],
//    "needs_restart": [{"key", "at", "running", "file", "reason"}, ...]}
// A rejected one throws ControlError invalid_config whose message lists
// every error of the file, one per line.
nlohmann::json reload_outcome_json(const ReloadOutcome& outcome);

// BU flags as RFC letters in wire order ("AH"; "" for none); bits no RFC
// names are appended as "+0x..." so that nothing received is hidden.
std::string binding_update_flag_letters(std::uint16_t flags);

}  // namespace roam6::mip6d::daemon
